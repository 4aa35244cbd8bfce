/** POST /v1/transfers/{id}/void, and holds that expire after their timeout. */
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

describe('voiding or expiring a hold', () => {
  it('voids a hold, and expires one after its timeout (refusing a late post)', async () => {
    const from = await funded('usr_alice', 100);
    const to = await openAccount(service, 'usr_dave');
    const hold = async () =>
      (
        await alice.post('/v1/transfers', {
          debitAccountId: from,
          creditAccountId: to,
          amount: 40,
          currency: 'EUR',
          pending: true,
          timeoutSeconds: 30,
        })
      ).json();
    const a = await hold();
    const voided = await alice.post(`/v1/transfers/${a.id}/void`, {});
    assert.equal(voided.json().status, 'voided');
    const b = await hold();
    const c = await hold();
    h.clock.advance(30_000);
    const late = await alice.post(`/v1/transfers/${b.id}/post`);
    assert.equal(late.status, 409);
    assert.equal(late.json().code, 'transfer_not_pending');
    assert.equal((await alice.get(`/v1/transfers/${b.id}`)).json().status, 'expired');
    assert.equal(await h.balance.jobs.expireDue(), 1);
    assert.equal((await alice.get(`/v1/transfers/${c.id}`)).json().status, 'expired');
    assert.equal(await h.balance.jobs.expireDue(), 0);
    const acc = (await alice.get(`/v1/accounts/${from}`)).json();
    assert.deepEqual([acc.balance, acc.held], [100, 0]);
    const types = (
      await h.pool.query(`select type from outbox where subject = any($1) order by position`, [[b.id, c.id]])
    ).rows.map((r) => r.type);
    assert.deepEqual(types, [
      'balance.transfer.pending',
      'balance.transfer.pending',
      'balance.transfer.expired',
      'balance.transfer.expired',
    ]);
  });
});
