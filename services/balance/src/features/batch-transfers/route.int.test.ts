/** POST /v1/transfers/batch: each item on its own, or all or nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, fundedAccount, type Harness, openAccount, startFunded } from '../../test-support.ts';

let h: Harness;
let service: Caller;
let alice: Caller;
let funding: string;

before(async () => {
  ({ h, service, alice, funding } = await startFunded());
});
after(async () => {
  await h.close();
});

const funded = (owner: string, amount: number) => fundedAccount(service, funding, owner, amount);

describe('a batch of transfers', () => {
  it('runs a batch per item, or all or nothing when atomic', async () => {
    const from = await funded('usr_alice', 100);
    const to = await openAccount(service, 'usr_dave');
    const item = (amount: number) => ({ debitAccountId: from, creditAccountId: to, amount, currency: 'EUR' });
    const atomic = await alice.post('/v1/transfers/batch', { atomic: true, transfers: [item(60), item(60)] });
    assert.equal(atomic.status, 422, atomic.body);
    assert.equal(atomic.json().code, 'insufficient_funds');
    assert.equal(atomic.json().errors[0].field, 'body/transfers/1');
    assert.equal((await alice.get(`/v1/accounts/${from}`)).json().balance, 100);
    const each = await alice.post('/v1/transfers/batch', { transfers: [item(60), item(60), item(40)] });
    assert.equal(each.status, 200, each.body);
    assert.deepEqual(
      each
        .json()
        .results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code)),
      ['ok', 'insufficient_funds', 'ok'],
    );
    const ok = await alice.post('/v1/transfers/batch', { atomic: true, transfers: [item(0 + 1)] });
    assert.equal(ok.status, 422, 'nothing left to spend');
    assert.equal((await alice.get(`/v1/accounts/${from}`)).json().balance, 0);
  });
});
