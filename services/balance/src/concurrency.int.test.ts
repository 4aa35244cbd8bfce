import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Caller, type Harness, openAccount, startBalance, transfer } from './test-support.ts';

let h: Harness;
let service: Caller;
let funding: string;

before(async () => {
  h = await startBalance();
  service = await h.caller('cli_orders', ['service']);
  funding = await openAccount(service, 'cli_orders', { allowNegative: true });
});
after(async () => {
  await h.close();
});

describe('exactly once', () => {
  it('given 50 concurrent requests with one key, then one transfer is made and all 50 get the same answer', async () => {
    const alice = await h.caller('usr_alice', ['customer']);
    const from = await openAccount(service, 'usr_alice');
    const to = await openAccount(service, 'usr_bob');
    await transfer(service, funding, from, 100);
    const key = randomUUID();
    const body = { debitAccountId: from, creditAccountId: to, amount: 60, currency: 'EUR' };
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => alice.post('/v1/transfers', body, key)),
    );
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'identical bodies');
    assert.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 49);
    const { rows } = await h.pool.query(
      'select count(*)::int as n from transfers where debit_account_id = $1',
      [from],
    );
    assert.equal(rows[0].n, 1);
    assert.equal((await alice.get(`/v1/accounts/${from}`)).json().balance, 40);

    const later = await alice.post('/v1/transfers', body, key);
    assert.deepEqual(
      [later.status, later.body, later.headers['idempotent-replayed']],
      [201, answers[0]?.body, 'true'],
    );
    const reused = await alice.post('/v1/transfers', { ...body, amount: 1 }, key);
    assert.deepEqual([reused.status, reused.json().code], [422, 'idempotency_key_reused']);
    const elsewhere = await alice.post('/v1/accounts', { currency: 'EUR' }, key);
    assert.deepEqual([elsewhere.status, elsewhere.json().code], [422, 'idempotency_key_reused']);
    // The same key from another caller is another request.
    const bob = await h.caller('usr_bob', ['customer']);
    assert.equal((await bob.post('/v1/accounts', { currency: 'EUR' }, key)).status, 201);
  });

  it('given a rejected request, then its retry replays the rejection even after funds arrive', async () => {
    const alice = await h.caller('usr_alice', ['customer']);
    const from = await openAccount(service, 'usr_alice');
    const to = await openAccount(service, 'usr_bob');
    const key = randomUUID();
    const body = { debitAccountId: from, creditAccountId: to, amount: 5, currency: 'EUR' };
    const first = await alice.post('/v1/transfers', body, key);
    assert.equal(first.json().code, 'insufficient_funds');
    await transfer(service, funding, from, 100);
    const retry = await alice.post('/v1/transfers', body, key);
    assert.deepEqual(
      [retry.status, retry.body, retry.headers['idempotent-replayed']],
      [422, first.body, 'true'],
    );
  });

  it('given concurrent posts and voids of one hold, then it resolves exactly once', async () => {
    const from = await openAccount(service, 'usr_carol');
    const to = await openAccount(service, 'usr_dave');
    await transfer(service, funding, from, 100);
    const hold = (await transfer(service, from, to, 80, { pending: true })).json();
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        service.post(`/v1/transfers/${hold.id}/${i % 2 ? 'post' : 'void'}`),
      ),
    );
    assert.equal(attempts.filter((a) => a.status === 200).length, 1);
    assert.equal(attempts.filter((a) => a.status === 409).length, 19);
    const acc = (await service.get(`/v1/accounts/${from}`)).json();
    assert.equal(acc.held, 0);
    assert.ok(acc.balance === 100 || acc.balance === 20);
    const { rows } = await h.pool.query('select count(*)::int as n from outbox where subject = $1', [
      hold.id,
    ]);
    assert.equal(rows[0].n, 2, 'one pending event and one resolution event');
  });
});

describe('never negative', () => {
  it('given 1,000 on an account, when 200 transfers of 7 race, then exactly 142 succeed and 6 remain', async () => {
    const from = await openAccount(service, 'usr_erin');
    const to = await openAccount(service, 'usr_frank');
    await transfer(service, funding, from, 1_000);
    // Half of them as holds: a hold spends `available` exactly like a posted transfer.
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => transfer(service, from, to, 7, i % 2 ? { pending: true } : {})),
    );
    const ok = answers.filter((a) => a.status === 201).length;
    const refused = answers.filter((a) => a.status === 422 && a.json().code === 'insufficient_funds').length;
    assert.deepEqual([ok, refused], [142, 58]);
    const acc = (await service.get(`/v1/accounts/${from}`)).json();
    assert.equal(acc.available, 6);
    assert.equal(acc.balance - acc.held, 6);
    const op = await h.caller('usr_op', ['admin']);
    const audit = (await op.get('/v1/ledger/audit')).json();
    assert.equal(audit.ok, true, JSON.stringify(audit.checks.filter((c: { ok: boolean }) => !c.ok)));
  });

  it('given the CHECK constraint, then even SQL that bypasses the service cannot overdraw', async () => {
    const from = await openAccount(service, 'usr_gina');
    await assert.rejects(
      h.pool.query('update accounts set posted_debits = posted_debits + 1 where id = $1', [from]),
      /accounts_never_negative/,
    );
  });
});
