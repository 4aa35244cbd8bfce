import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CloudEvent, cloudEvent } from '@strongbox/kernel';
import { withTransaction } from '@strongbox/postgres';
import { recordEvent, recordEvents } from '../../app.ts';
import { type Harness, startWebhooks } from '../../test-support.ts';

let h: Harness;
const ids: Record<string, string> = {};
before(async () => {
  h = await startWebhooks();
  let k = 0;
  const register = async (name: string, sub: string, roles: string[], eventTypes: string[]) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: { authorization: `Bearer ${await h.token(sub, roles)}`, 'idempotency-key': `k${++k}` },
      payload: { url: 'http://127.0.0.1:9/hook', eventTypes },
    });
    assert.equal(res.statusCode, 201, res.body);
    ids[name] = res.json().id;
  };
  await register('aliceBalance', 'usr_alice', ['customer'], ['balance.*']);
  await register('aliceOrders', 'usr_alice', ['customer'], ['orders.*']);
  await register('aliceDisabled', 'usr_alice', ['customer'], ['*']);
  await register('bobAll', 'usr_bob', ['customer'], ['*']);
  await register('operatorAll', 'usr_op', ['operator'], ['*']);
  await register('adminPosted', 'usr_admin', ['admin'], ['balance.transfer.posted']);
  await h.app.inject({
    method: 'POST',
    url: `/v1/webhooks/endpoints/${ids['aliceDisabled']}/disable`,
    headers: { authorization: `Bearer ${await h.token('usr_alice')}` },
  });
});
after(async () => {
  await h.close();
});

const event = (type: string, parties: string[]) =>
  cloudEvent(
    { service: 'balance', type, subject: 'tr_1', data: { n: 1 }, traceId: 't-1234567', parties },
    h.clock,
  );
const record = (e: CloudEvent) => withTransaction(h.pool, (tx) => recordEvent(tx, e, h.clock));

async function receivers(e: CloudEvent): Promise<string[]> {
  const { rows } = await h.pool.query<{ endpoint_id: string }>(
    'select endpoint_id from deliveries where event_id = $1',
    [e.id],
  );
  const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  return rows.map((r) => names[r.endpoint_id] ?? r.endpoint_id).sort();
}

describe('recordEvent', () => {
  it("queues an event for customers' endpoints only when its parties name them, and for staff always", async () => {
    const e = event('balance.transfer.posted', ['usr_alice', 'usr_carol']);
    assert.deepEqual(await record(e), { deliveries: 3 });
    assert.deepEqual(await receivers(e), ['adminPosted', 'aliceBalance', 'operatorAll']);
  });

  it('matches event types exactly, by prefix wildcard or by *', async () => {
    const e = event('balance.hold.released', ['usr_bob']);
    await record(e);
    assert.deepEqual(await receivers(e), ['bobAll', 'operatorAll']);
  });

  it('queues an event without parties for staff only', async () => {
    const e = event('orders.order.created', []);
    await record(e);
    assert.deepEqual(await receivers(e), ['operatorAll']);
  });

  it('is idempotent per endpoint and event', async () => {
    const e = event('balance.transfer.posted', ['usr_alice']);
    await record(e);
    assert.deepEqual(await record(e), { deliveries: 0 });
    assert.deepEqual(await receivers(e), ['adminPosted', 'aliceBalance', 'operatorAll']);
  });

  it('stores the event exactly as the body to send, with its trace id, due at once', async () => {
    const e = event('balance.transfer.posted', ['usr_alice']);
    await record(e);
    const { rows } = await h.pool.query<{ payload: string; trace_id: string; next_attempt_at: Date }>(
      'select payload, trace_id, next_attempt_at from deliveries where event_id = $1 and endpoint_id = $2',
      [e.id, ids['aliceBalance']],
    );
    assert.equal(rows[0]?.payload, JSON.stringify(e));
    assert.equal(rows[0]?.trace_id, 't-1234567');
    assert.equal(rows[0]?.next_attempt_at.toISOString(), h.clock.now().toISOString());
  });

  it('shows customers only the deliveries of their own endpoints', async () => {
    const e = event('balance.transfer.posted', ['usr_alice']);
    await record(e);
    const { rows } = await h.pool.query<{ id: string }>(
      'select id from deliveries where event_id = $1 and endpoint_id = $2',
      [e.id, ids['aliceBalance']],
    );
    const url = `/v1/webhooks/deliveries/${rows[0]?.id}`;
    const as = async (sub: string, roles?: string[]) =>
      (
        await h.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${await h.token(sub, roles)}` },
        })
      ).statusCode;
    assert.equal(await as('usr_alice'), 200);
    assert.equal(await as('usr_bob'), 404);
    assert.equal(await as('usr_op', ['operator']), 200);
  });
});

describe('recordEvents', () => {
  it('given a batch of mixed events, then each is queued for exactly the endpoints recordEvent would choose', async () => {
    const batch = [
      event('balance.transfer.posted', ['usr_alice', 'usr_carol']),
      event('balance.hold.released', ['usr_bob']),
      event('orders.order.created', []),
      event('orders.order.completed', ['usr_alice']),
      event('identity.user.registered', ['usr_nobody']),
    ];
    const alone = batch.map((e) => ({ ...e, id: `${e.id}-alone` }));
    const many = await withTransaction(h.pool, (tx) => recordEvents(tx, batch, h.clock));
    let single = 0;
    for (const e of alone) single += (await record(e)).deliveries;
    assert.equal(many.deliveries, single);
    for (const [i, e] of batch.entries())
      assert.deepEqual(await receivers(e), await receivers(alone[i] as CloudEvent), e.type);
    assert.deepEqual(
      await receivers(batch[3] as CloudEvent),
      ['aliceOrders', 'bobAll', 'operatorAll'].filter((n) => n !== 'bobAll'),
    );
  });

  it('given a batch recorded twice, then the second time adds nothing', async () => {
    const batch = [
      event('balance.transfer.posted', ['usr_alice']),
      event('orders.order.created', ['usr_bob']),
    ];
    const first = await withTransaction(h.pool, (tx) => recordEvents(tx, batch, h.clock));
    assert.ok(first.deliveries > 0);
    assert.deepEqual(await withTransaction(h.pool, (tx) => recordEvents(tx, batch, h.clock)), {
      deliveries: 0,
    });
  });
});
