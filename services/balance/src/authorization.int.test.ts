import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, type Harness, openAccount, startBalance, transfer } from './test-support.ts';

let h: Harness;
let service: Caller;
let alice: Caller;
let mallory: Caller;
let aliceAccount: string;
let malloryAccount: string;
let hold: string;

before(async () => {
  h = await startBalance();
  service = await h.caller('cli_orders', ['service']);
  alice = await h.caller('usr_alice', ['customer']);
  mallory = await h.caller('usr_mallory', ['customer']);
  const funding = await openAccount(service, 'cli_orders', { allowNegative: true });
  aliceAccount = (await alice.post('/v1/accounts', { currency: 'EUR' })).json().id;
  malloryAccount = (await mallory.post('/v1/accounts', { currency: 'EUR' })).json().id;
  await transfer(service, funding, aliceAccount, 100);
  hold = (
    await alice.post('/v1/transfers', {
      debitAccountId: aliceAccount,
      creditAccountId: funding,
      amount: 10,
      currency: 'EUR',
      pending: true,
    })
  ).json().id;
});
after(async () => {
  await h.close();
});

const notFound = (res: { status: number; json(): { code: string } }, code: string) => {
  assert.equal(res.status, 404);
  assert.equal(res.json().code, code);
};

describe("another user's money answers 404, as if it did not exist", () => {
  it('cannot read the account, its entries, its balance at an instant, or its transfers', async () => {
    notFound(await mallory.get(`/v1/accounts/${aliceAccount}`), 'account_not_found');
    notFound(await mallory.get(`/v1/accounts/${aliceAccount}/entries`), 'account_not_found');
    notFound(
      await mallory.get(`/v1/accounts/${aliceAccount}/balance?at=2026-01-01T00:00:00Z`),
      'account_not_found',
    );
    notFound(await mallory.get(`/v1/transfers?accountId=${aliceAccount}`), 'account_not_found');
    notFound(await mallory.get(`/v1/transfers/${hold}`), 'transfer_not_found');
  });

  it('does not see them in lists: accounts, or transfers without an account', async () => {
    const accounts = (await mallory.get('/v1/accounts')).json().data.map((a: { id: string }) => a.id);
    assert.deepEqual(accounts, [malloryAccount]);
    assert.deepEqual((await mallory.get('/v1/transfers')).json().data, []);
  });

  it('cannot debit it, even by naming it as the debit account of a batch', async () => {
    const body = {
      debitAccountId: aliceAccount,
      creditAccountId: malloryAccount,
      amount: 1,
      currency: 'EUR',
    };
    notFound(await mallory.post('/v1/transfers', body), 'account_not_found');
    const batch = await mallory.post('/v1/transfers/batch', { atomic: true, transfers: [body] });
    assert.deepEqual([batch.status, batch.json().code], [404, 'account_not_found']);
    assert.equal((await alice.get(`/v1/accounts/${aliceAccount}`)).json().available, 90);
  });

  it('cannot post or void a hold it did not create', async () => {
    notFound(await mallory.post(`/v1/transfers/${hold}/post`), 'transfer_not_found');
    notFound(await mallory.post(`/v1/transfers/${hold}/void`), 'transfer_not_found');
    assert.equal((await alice.get(`/v1/transfers/${hold}`)).json().status, 'pending');
  });

  it('may credit any existing account, which its owner then sees', async () => {
    await transfer(
      service,
      await openAccount(service, 'cli_orders', { allowNegative: true }),
      malloryAccount,
      5,
    );
    const res = await mallory.post('/v1/transfers', {
      debitAccountId: malloryAccount,
      creditAccountId: aliceAccount,
      amount: 5,
      currency: 'EUR',
    });
    assert.equal(res.status, 201, res.body);
    assert.equal((await alice.get(`/v1/transfers/${res.json().id}`)).status, 200);
  });

  it('needs a valid token for everything but ops routes', async () => {
    const res = await h.balance.app.inject({ method: 'GET', url: `/v1/accounts/${aliceAccount}` });
    assert.equal(res.statusCode, 401);
    const forged = await h.balance.app.inject({
      method: 'GET',
      url: `/v1/accounts/${aliceAccount}`,
      headers: { authorization: 'Bearer not.a.token' },
    });
    assert.equal(forged.statusCode, 401);
  });
});

describe('staff and services', () => {
  it('read any account and transfer, and resolve holds users created', async () => {
    const op = await h.caller('usr_op', ['operator']);
    assert.equal((await op.get(`/v1/accounts/${aliceAccount}`)).status, 200);
    assert.equal((await op.get(`/v1/transfers/${hold}`)).status, 200);
    const voided = await service.post(`/v1/transfers/${hold}/void`);
    assert.equal(voided.json().status, 'voided');
  });
});
