/**
 * POST /v1/orders records its Idempotency-Key and inserts the order in one statement (ADR 0043), against
 * real PostgreSQL and the real balance: a replay, a reused key and twins sent at once keep the contract of
 * brief §4, with exactly one order per key.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type SagaHarness, startSagaHarness, testClock } from './saga-test-support.ts';

const TWINS = 8;

let h: SagaHarness;
before(async () => {
  h = await startSagaHarness();
});
after(async () => {
  await h?.close();
});

describe('a keyed order in one statement', () => {
  it('given one Idempotency-Key, then a replay answers the first order byte for byte, another body is refused, and twins sent at once make one order', {
    timeout: 180_000,
  }, async (t) => {
    const schema = await h.ordersSchema();
    const orders = await h.instance({ schema, clock: testClock() });
    t.after(() => orders.close());
    const c = await h.customer(10_000);
    const order = (key: string, amount = 100) =>
      orders.app.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: { authorization: `Bearer ${c.token}`, 'idempotency-key': key },
        payload: { accountId: c.accountId, merchantAccountId: c.merchantAccountId, amount, currency: 'EUR' },
      });
    const count = async () =>
      (await orders.pool.query<{ n: number }>('select count(*)::int as n from orders')).rows[0]?.n;

    const key = randomUUID();
    const first = await order(key);
    assert.equal(first.statusCode, 201, first.body);
    // The drive the answer kicked is joined, so that only the replay's statements are counted.
    await orders.saga.drive(first.json().id);
    const before = orders.statements();
    const replay = await order(key);
    assert.equal(orders.statements() - before, 2, 'the keyed statement, then the stored answer read');
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.body, first.body);
    const reused = await order(key, 200);
    assert.equal(reused.statusCode, 422);
    assert.equal(reused.json().code, 'idempotency_key_reused');
    assert.equal(await count(), 1);

    const twinKey = randomUUID();
    const twins = await Promise.all(Array.from({ length: TWINS }, () => order(twinKey)));
    assert.deepEqual(
      twins.map((r) => r.statusCode),
      twins.map(() => 201),
    );
    assert.equal(new Set(twins.map((r) => r.body)).size, 1, 'every twin answers the same order');
    assert.equal(twins.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1);
    assert.equal(await count(), 2);
    await orders.saga.drive(twins[0]?.json().id);
  });
});
