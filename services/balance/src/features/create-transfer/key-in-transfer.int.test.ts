import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  callerOf,
  type FundedHarness,
  fundedAccount,
  openAccount,
  startFunded,
  startInstance,
} from '../../test-support.ts';

/**
 * ADR 0037: an accepted transfer keeps its Idempotency-Key in its own row (no idempotency_keys row), and
 * a replay renders the first answer again from it, byte for byte, whatever happened to the transfer since.
 */
let f: FundedHarness;

before(async () => {
  f = await startFunded();
});
after(async () => {
  await f.h.close();
});

const storedKeys = async (key: string) =>
  (await f.h.pool.query('select 1 from idempotency_keys where key = $1', [key])).rowCount;

describe('an accepted transfer keeps its key in its own row', () => {
  it('given a keyed transfer, then no idempotency_keys row is written and the transfer carries the key', async () => {
    const to = await openAccount(f.service, 'usr_k1');
    const key = randomUUID();
    const res = await f.service.post(
      '/v1/transfers',
      { debitAccountId: f.funding, creditAccountId: to, amount: 7, currency: 'EUR' },
      key,
    );
    assert.equal(res.status, 201, res.body);
    assert.equal(await storedKeys(key), 0);
    const { rows } = await f.h.pool.query(
      'select idempotency_scope as scope, idempotency_key as key from transfers where id = $1',
      [res.json().id],
    );
    assert.deepEqual(rows, [{ scope: 'cli_orders', key }]);
  });

  it('given a hold with metadata in any key order, then a replay after it was posted is the first answer byte for byte', async () => {
    const to = await openAccount(f.service, 'usr_k2');
    const key = randomUUID();
    const body = {
      debitAccountId: f.funding,
      creditAccountId: to,
      amount: 50,
      currency: 'EUR',
      pending: true,
      description: 'hold',
      metadata: { zeta: 'z', a: 1, '10': true, '2': null, 'b.c': 'x', bb: 25, A: 'upper' },
    };
    const first = await f.service.post('/v1/transfers', body, key);
    assert.equal(first.status, 201, first.body);
    const id = first.json().id;
    assert.equal(first.json().status, 'pending');
    const posted = await f.service.post(`/v1/transfers/${id}/post`, { amount: 20 });
    assert.equal(posted.status, 200, posted.body);
    assert.equal(posted.json().status, 'posted');
    const replay = await f.service.post('/v1/transfers', body, key);
    assert.deepEqual(
      [replay.status, replay.body, replay.headers['idempotent-replayed']],
      [201, first.body, 'true'],
    );
    // The same bytes as a read of the transfer gives for its metadata.
    const read = await f.service.get(`/v1/transfers/${id}`);
    assert.deepEqual(Object.keys(read.json().metadata), Object.keys(first.json().metadata));
    assert.equal((await f.service.get(`/v1/accounts/${to}`)).json().balance, 20);
  });

  it('given a posted transfer replayed, then it answers the first answer and moves nothing more', async () => {
    const to = await openAccount(f.service, 'usr_k3');
    const key = randomUUID();
    const body = { debitAccountId: f.funding, creditAccountId: to, amount: 9, currency: 'EUR' };
    const first = await f.service.post('/v1/transfers', body, key);
    const again = await f.service.post('/v1/transfers', body, key);
    assert.deepEqual(
      [again.status, again.body, again.headers['idempotent-replayed']],
      [201, first.body, 'true'],
    );
    assert.equal((await f.service.get(`/v1/accounts/${to}`)).json().balance, 9);
  });

  it('given the key reused with another body, then 422 idempotency_key_reused and nothing moves', async () => {
    const to = await openAccount(f.service, 'usr_k4');
    const key = randomUUID();
    const body = { debitAccountId: f.funding, creditAccountId: to, amount: 5, currency: 'EUR' };
    assert.equal((await f.service.post('/v1/transfers', body, key)).status, 201);
    const reused = await f.service.post('/v1/transfers', { ...body, amount: 6 }, key);
    assert.deepEqual([reused.status, reused.json().code], [422, 'idempotency_key_reused']);
    assert.equal((await f.service.get(`/v1/accounts/${to}`)).json().balance, 5);
  });

  it('given a key spent on a transfer, then a post, a batch or an account under it is 422 idempotency_key_reused', async () => {
    const to = await openAccount(f.service, 'usr_k9');
    const key = randomUUID();
    const hold = await f.service.post(
      '/v1/transfers',
      { debitAccountId: f.funding, creditAccountId: to, amount: 5, currency: 'EUR', pending: true },
      key,
    );
    assert.equal(hold.status, 201, hold.body);
    const post = await f.service.post(`/v1/transfers/${hold.json().id}/post`, {}, key);
    const batch = await f.service.post(
      '/v1/transfers/batch',
      { transfers: [{ debitAccountId: f.funding, creditAccountId: to, amount: 1, currency: 'EUR' }] },
      key,
    );
    const account = await f.service.post('/v1/accounts', { ownerId: 'usr_k9', currency: 'EUR' }, key);
    for (const res of [post, batch, account])
      assert.deepEqual([res.status, res.json().code], [422, 'idempotency_key_reused'], res.body);
    assert.equal((await f.service.get(`/v1/transfers/${hold.json().id}`)).json().status, 'pending');
    assert.equal((await f.service.get(`/v1/accounts/${to}`)).json().balance, 0);
  });

  it('given a refused transfer, then its answer is stored under the key and stays refused after money arrives', async () => {
    const from = await openAccount(f.service, 'usr_k5');
    const to = await openAccount(f.service, 'usr_k6');
    const key = randomUUID();
    const body = { debitAccountId: from, creditAccountId: to, amount: 30, currency: 'EUR' };
    const refused = await f.service.post('/v1/transfers', body, key);
    assert.deepEqual([refused.status, refused.json().code], [422, 'insufficient_funds']);
    assert.equal(await storedKeys(key), 1);
    await fundedAccount(f.service, f.funding, 'usr_k7', 1);
    assert.equal(
      (
        await f.service.post('/v1/transfers', {
          debitAccountId: f.funding,
          creditAccountId: from,
          amount: 100,
          currency: 'EUR',
        })
      ).status,
      201,
    );
    const again = await f.service.post('/v1/transfers', body, key);
    assert.deepEqual(
      [again.status, again.body, again.headers['idempotent-replayed']],
      [422, refused.body, 'true'],
    );
    assert.equal((await f.service.get(`/v1/accounts/${to}`)).json().balance, 0);
  });

  it('given one key sent to two instances at once, then one transfer is created and every answer is the same', async () => {
    const second = await startInstance(f.h.db, f.h.keys, f.h.clock);
    try {
      const viaB = await callerOf(second.balance, f.h.keys, 'cli_orders', ['service']);
      const to = await openAccount(f.service, 'usr_k8');
      for (let round = 0; round < 5; round++) {
        const key = randomUUID();
        const body = { debitAccountId: f.funding, creditAccountId: to, amount: 2, currency: 'EUR' };
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, i) => (i % 2 ? f.service : viaB).post('/v1/transfers', body, key)),
        );
        assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
        assert.equal(new Set(answers.map((a) => a.body)).size, 1);
      }
      assert.equal((await f.service.get(`/v1/accounts/${to}`)).json().balance, 10);
    } finally {
      await second.balance.app.close();
    }
  });
});
