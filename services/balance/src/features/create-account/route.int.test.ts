/** POST /v1/accounts (and reading the account back): who may open what, and what a new account looks like. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, type Harness, startFunded } from '../../test-support.ts';

let h: Harness;
let alice: Caller;

before(async () => {
  ({ h, alice } = await startFunded());
});
after(async () => {
  await h.close();
});

describe('opening an account', () => {
  it('opens an account for the caller with zero balances, and shows it to its owner only', async () => {
    const res = await alice.post('/v1/accounts', {
      currency: 'EUR',
      name: 'wallet',
      metadata: { tier: 'gold' },
    });
    assert.equal(res.status, 201, res.body);
    const a = res.json();
    assert.match(a.id, /^acc_/);
    assert.deepEqual(
      { ownerId: a.ownerId, balance: a.balance, held: a.held, available: a.available, version: a.version },
      { ownerId: 'usr_alice', balance: 0, held: 0, available: 0, version: 0 },
    );
    assert.deepEqual(a.metadata, { tier: 'gold' });
    assert.equal((await alice.get(`/v1/accounts/${a.id}`)).json().id, a.id);
    const bob = await h.caller('usr_bob', ['customer']);
    assert.equal((await bob.get(`/v1/accounts/${a.id}`)).status, 404);
  });
  it('refuses ownerId and allowNegative from customers with 403, and unknown fields with 400', async () => {
    const res = await alice.post('/v1/accounts', {
      currency: 'EUR',
      ownerId: 'usr_bob',
      allowNegative: true,
    });
    assert.equal(res.status, 403);
    assert.deepEqual(
      res.json().errors.map((e: { field: string }) => e.field),
      ['body/ownerId', 'body/allowNegative'],
    );
    const bad = await alice.post('/v1/accounts', { currency: 'eur', colour: 'red' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().code, 'validation_failed');
  });
  it('requires an Idempotency-Key on every POST (400)', async () => {
    const res = await alice.post('/v1/accounts', { currency: 'EUR' }, null);
    assert.equal(res.status, 400);
    assert.equal(res.json().errors[0].field, 'headers/idempotency-key');
  });
});
