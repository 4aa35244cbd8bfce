/**
 * The account check of POST /v1/orders with the owners and currencies remembered (ADR 0043), against the
 * real balance: the calls balance answers are counted from its own metrics.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type SagaHarness, startSagaHarness, testClock } from './saga-test-support.ts';

const ACCOUNT_ROUTE = '/v1/accounts/:id';

let h: SagaHarness;
before(async () => {
  h = await startSagaHarness();
});
after(async () => {
  await h?.close();
});

describe('account check of a new order', () => {
  it('given an account balance has shown, then the next order from it asks balance nothing, and another user is still refused with the same 404', {
    timeout: 180_000,
  }, async (t) => {
    const schema = await h.ordersSchema();
    const orders = await h.instance({ schema, clock: testClock() });
    t.after(() => orders.close());
    const alice = await h.customer(10_000);
    const bob = await h.customer(10_000);
    const order = (token: string, accountId: string) =>
      orders.app.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
        payload: { accountId, merchantAccountId: alice.merchantAccountId, amount: 100, currency: 'EUR' },
      });
    const calls = () => h.balanceCalls('GET', ACCOUNT_ROUTE);
    const problem = (body: string) => {
      const { traceId: _traceId, ...rest } = JSON.parse(body);
      return rest;
    };

    const start = await calls();
    const refused = await order(bob.token, alice.accountId);
    assert.equal(refused.statusCode, 404, refused.body);
    assert.equal(problem(refused.body).code, 'account_not_found');
    assert.equal((await order(bob.token, alice.accountId)).statusCode, 404);
    assert.equal(await calls(), start + 2, 'a 404 is never remembered');

    const first = await order(alice.token, alice.accountId);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(await calls(), start + 3);
    const second = await order(alice.token, alice.accountId);
    assert.equal(second.statusCode, 201, second.body);
    assert.equal(await calls(), start + 3, 'the second order from the account asked balance nothing');

    const again = await order(bob.token, alice.accountId);
    assert.equal(again.statusCode, 404);
    assert.deepEqual(problem(again.body), problem(refused.body), 'the same problem as when balance answered');
    assert.equal(again.headers['content-type'], refused.headers['content-type']);
    assert.equal(await calls(), start + 3, 'refused from what is remembered');

    const { values } = await orders.metrics.accountCache.get();
    assert.deepEqual(Object.fromEntries(values.map((v) => [v.labels['result'], v.value])), {
      hit: 2,
      miss: 3,
    });
    await Promise.all([first, second].map((res) => orders.saga.drive(res.json().id)));
  });
});
