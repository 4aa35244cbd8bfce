/** POST /v1/transfers/{id}/post: a pending transfer captured in part, the rest released. */
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

describe('posting a hold', () => {
  it('holds, captures part and releases the rest; a resolved transfer cannot resolve again', async () => {
    const from = await funded('usr_alice', 500);
    const to = await openAccount(service, 'usr_dave');
    const res = await alice.post('/v1/transfers', {
      debitAccountId: from,
      creditAccountId: to,
      amount: 200,
      currency: 'EUR',
      pending: true,
      timeoutSeconds: 60,
    });
    assert.equal(res.status, 201, res.body);
    const t = res.json();
    assert.equal(t.status, 'pending');
    const held = (await alice.get(`/v1/accounts/${from}`)).json();
    assert.deepEqual([held.balance, held.held, held.available], [500, 200, 300]);
    assert.equal(
      (await alice.post(`/v1/transfers/${t.id}/post`, { amount: 201 })).json().code,
      'amount_exceeds_pending',
    );
    const posted = await alice.post(`/v1/transfers/${t.id}/post`, { amount: 150 });
    assert.equal(posted.status, 200, posted.body);
    assert.deepEqual([posted.json().status, posted.json().postedAmount], ['posted', 150]);
    const after = (await alice.get(`/v1/accounts/${from}`)).json();
    assert.deepEqual([after.balance, after.held, after.available], [350, 0, 350]);
    const again = await alice.post(`/v1/transfers/${t.id}/void`);
    assert.equal(again.status, 409);
    assert.equal(again.json().code, 'transfer_not_pending');
  });
});
