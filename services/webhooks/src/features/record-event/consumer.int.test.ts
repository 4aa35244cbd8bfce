import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { cloudEvent } from '@strongbox/kernel';
import {
  encodeEvent,
  postgresTransport,
  type RunningConsumer,
  startConsumer,
  type Transport,
} from '@strongbox/messaging';
import { recordEvent } from '../../app.ts';
import { type Harness, type Receiver, startReceiver, startWebhooks } from '../../test-support.ts';
import { CONSUMER_NAME } from './handler.ts';

/** The wiring of main.ts: events published on the (PostgreSQL) transport reach the receiver. */
let h: Harness;
let receiver: Receiver;
let transport: Transport;
let consumer: RunningConsumer;
before(async () => {
  h = await startWebhooks();
  receiver = await startReceiver();
  transport = postgresTransport({ pool: h.pool, pollMs: 50 });
  consumer = await startConsumer(
    {
      name: CONSUMER_NAME,
      eventTypes: ['#'],
      handle: async (tx, event) => {
        await recordEvent(tx, event, h.clock);
      },
    },
    { pool: h.pool, transport, logger: createLogger({ service: 'test', level: 'silent' }), clock: h.clock },
  );
});
after(async () => {
  await consumer.stop();
  await transport.close();
  await receiver.close();
  await h.close();
});

/** Polls until `probe` holds, failing the test after a bound instead of hanging it. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('consuming events', () => {
  it('queues a published event once, even when it is delivered twice, and the worker sends it', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: { authorization: `Bearer ${await h.token('usr_c')}`, 'idempotency-key': 'c1' },
      payload: { url: `${receiver.url}/events`, eventTypes: ['orders.*'] },
    });
    assert.equal(res.statusCode, 201, res.body);
    const event = cloudEvent(
      {
        service: 'orders',
        type: 'orders.order.created',
        subject: 'ord_1',
        data: { n: 1 },
        parties: ['usr_c'],
      },
      h.clock,
    );
    await transport.publish([encodeEvent(event)]);
    await transport.publish([encodeEvent(event)]);
    await eventually('the delivery', async () => {
      const { rows } = await h.pool.query('select 1 from deliveries where event_id = $1', [event.id]);
      return rows.length > 0 ? true : undefined;
    });
    await eventually('both copies consumed', async () =>
      (await transport.depth(CONSUMER_NAME)) === 0 ? true : undefined,
    );
    const { rows } = await h.pool.query('select 1 from deliveries where event_id = $1', [event.id]);
    assert.equal(rows.length, 1);
    assert.equal(await h.worker().runOnce(), 1);
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0]?.headers['webhook-id'], event.id);
  });
});
