import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloudEvent } from '@strongbox/kernel';
import { withTransaction } from '@strongbox/postgres';
import { recordEvent } from './app.ts';
import { ATTEMPTS_MAX, RETRY_DELAYS_MS } from './domain/schedule.ts';
import { type Harness, type Receiver, startReceiver, startWebhooks } from './test-support.ts';

/** The documented disable rule (docs/ARCHITECTURE.md): no success for 5 days, written out. */
const FIVE_DAYS_MS = 5 * 24 * 60 * 60 * 1000;

/** The whole retry schedule and automatic disabling, on a fixed clock that the test moves by hand. */
let h: Harness;
let receiver: Receiver;
let token: string;
before(async () => {
  h = await startWebhooks();
  receiver = await startReceiver();
  receiver.respond({ status: 503 });
  token = await h.token('usr_sched');
});
after(async () => {
  await receiver.close();
  await h.close();
});

let keys = 0;
const headers = () => ({ authorization: `Bearer ${token}`, 'idempotency-key': `k-${++keys}` });

async function publish() {
  const event = cloudEvent(
    {
      service: 'balance',
      type: 'balance.transfer.posted',
      subject: 'tr_9',
      data: {},
      parties: ['usr_sched'],
    },
    h.clock,
  );
  await withTransaction(h.pool, (tx) => recordEvent(tx, event, h.clock));
  return event;
}

async function deliveryOf(eventId: string) {
  const { rows } = await h.pool.query<{ id: string; status: string; next_attempt_at: Date | null }>(
    'select id, status, next_attempt_at from deliveries where event_id = $1',
    [eventId],
  );
  assert.equal(rows.length, 1);
  return rows[0]!;
}

const endpointView = async (id: string) =>
  (await h.app.inject({ method: 'GET', url: `/v1/webhooks/endpoints/${id}`, headers: headers() })).json();

describe('retry schedule and endpoint health', () => {
  let endpointId: string;
  const T0 = new Date('2030-01-01T00:00:00.000Z');

  it('attempts immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then fails the delivery', async () => {
    h.clock.set(T0);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: headers(),
      payload: { url: `${receiver.url}/down`, eventTypes: ['*'] },
    });
    endpointId = res.json().id;
    const event = await publish();
    const worker = h.worker();
    let expected = T0.getTime();
    for (let attempt = 1; attempt <= ATTEMPTS_MAX; attempt++) {
      const due = await deliveryOf(event.id);
      assert.equal(due.status, 'pending');
      assert.equal(
        due.next_attempt_at?.toISOString(),
        new Date(expected).toISOString(),
        `attempt ${attempt} due`,
      );
      // A moment before it is due, nothing is attempted.
      h.clock.set(new Date(expected - 1));
      assert.equal(await worker.runOnce(), 0);
      h.clock.set(new Date(expected));
      assert.equal(await worker.runOnce(), 1, `attempt ${attempt} made`);
      expected += RETRY_DELAYS_MS[attempt] ?? 0;
    }
    const failed = await deliveryOf(event.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.next_attempt_at, null);
    assert.equal(receiver.requests.length, ATTEMPTS_MAX);
    assert.equal(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size, 1);
    const ep = await endpointView(endpointId);
    assert.equal(ep.status, 'enabled');
    assert.equal(ep.failingSince, T0.toISOString());
  });

  it('keeps an endpoint failing for just under 5 days enabled, and disables it at 5 days', async () => {
    h.clock.set(new Date(T0.getTime() + FIVE_DAYS_MS - 1_000));
    const late = await publish();
    const worker = h.worker();
    await worker.runOnce();
    assert.equal((await endpointView(endpointId)).status, 'enabled');
    // Its retry, 5 s later, falls at 5 days and 4 s after the first failure: no success since, so disabled.
    h.clock.advance(RETRY_DELAYS_MS[1]);
    assert.equal(await worker.runOnce(), 1);
    const ep = await endpointView(endpointId);
    assert.equal(ep.status, 'disabled');
    assert.equal(ep.disabledReason, 'failing');
    assert.equal((await deliveryOf(late.id)).status, 'failed');
    // Disabled endpoints get no new deliveries.
    const ignored = await publish();
    const { rows } = await h.pool.query('select 1 from deliveries where event_id = $1', [ignored.id]);
    assert.equal(rows.length, 0);
  });

  it('a success clears the failure streak', async () => {
    await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/endpoints/${endpointId}/enable`,
      headers: headers(),
    });
    receiver.respond({ status: 503 }, { status: 200 });
    const event = await publish();
    const worker = h.worker();
    await worker.runOnce();
    assert.equal((await endpointView(endpointId)).failingSince, h.clock.now().toISOString());
    h.clock.advance(RETRY_DELAYS_MS[1]);
    await worker.runOnce();
    assert.equal((await deliveryOf(event.id)).status, 'succeeded');
    assert.equal((await endpointView(endpointId)).failingSince, null);
  });
});
