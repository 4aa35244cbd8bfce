import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, type Harness, openAccount, startBalance, transfer } from './test-support.ts';

let h: Harness;
let service: Caller;
let alice: Caller;
let funding: string;

before(async () => {
  h = await startBalance();
  service = await h.caller('cli_orders', ['service']);
  alice = await h.caller('usr_alice', ['customer']);
  funding = await openAccount(service, 'cli_orders', { allowNegative: true, name: 'funding' });
});
after(async () => {
  await h.close();
});

async function funded(owner: string, amount: number): Promise<string> {
  const id = await openAccount(service, owner);
  assert.equal((await transfer(service, funding, id, amount)).status, 201);
  return id;
}

describe('accounts', () => {
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

  it('lists the caller’s accounts newest first with a cursor', async () => {
    const carol = await h.caller('usr_carol', ['customer']);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      // Ids order by their millisecond; the test clock stands still unless moved.
      h.clock.advance(1);
      ids.push((await carol.post('/v1/accounts', { currency: 'EUR' })).json().id);
    }
    const first = (await carol.get('/v1/accounts?limit=2')).json();
    assert.deepEqual(
      first.data.map((a: { id: string }) => a.id),
      [ids[2], ids[1]],
    );
    const second = (await carol.get(`/v1/accounts?limit=2&cursor=${first.nextCursor}`)).json();
    assert.deepEqual(
      second.data.map((a: { id: string }) => a.id),
      [ids[0]],
    );
    assert.equal(second.nextCursor, null);
    assert.equal((await carol.get('/v1/accounts?cursor=!!')).status, 400);
    assert.equal((await carol.get('/v1/accounts?ownerId=usr_alice')).status, 403);
    const staff = await h.caller('usr_op', ['operator']);
    const theirs = (await staff.get('/v1/accounts?ownerId=usr_carol&limit=100')).json();
    assert.equal(theirs.data.length, 3);
  });
});

describe('transfers', () => {
  it('moves money: balances, entries with balanceAfter, balance at an instant, and events', async () => {
    const from = await funded('usr_alice', 1_000);
    const to = await openAccount(service, 'usr_dave');
    const before = h.clock.now();
    h.clock.advance(1_000);
    const res = await alice.post('/v1/transfers', {
      debitAccountId: from,
      creditAccountId: to,
      amount: 300,
      currency: 'EUR',
      description: 'rent',
    });
    assert.equal(res.status, 201, res.body);
    const t = res.json();
    assert.equal(t.status, 'posted');
    assert.equal(t.postedAmount, 300);
    assert.equal(t.traceId, res.headers['x-trace-id']);
    assert.equal((await alice.get(`/v1/accounts/${from}`)).json().balance, 700);
    const entries = (await alice.get(`/v1/accounts/${from}/entries`)).json().data;
    assert.deepEqual(
      entries.map((e: { direction: string; amount: number; balanceAfter: number }) => [
        e.direction,
        e.amount,
        e.balanceAfter,
      ]),
      [
        ['debit', 300, 700],
        ['credit', 1_000, 1_000],
      ],
    );
    const then = (await alice.get(`/v1/accounts/${from}/balance?at=${before.toISOString()}`)).json();
    assert.equal(then.balance, 1_000);
    const now = (await alice.get(`/v1/accounts/${from}/balance?at=${h.clock.now().toISOString()}`)).json();
    assert.equal(now.balance, 700);
    const { rows } = await h.pool.query(
      `select envelope from outbox where subject = $1 and type = 'balance.transfer.posted'`,
      [t.id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].envelope.source, '/strongbox/balance');
    assert.equal(rows[0].envelope.data.amount, 300);
    assert.equal(rows[0].envelope.traceid, t.traceId);
    // Both owners, so each one's webhook endpoints receive it (webhooks selects by parties).
    assert.deepEqual(rows[0].envelope.parties.split(',').sort(), ['usr_alice', 'usr_dave']);
    const opened = await h.pool.query(
      `select envelope from outbox where subject = $1 and type = 'balance.account.created'`,
      [to],
    );
    assert.equal(opened.rows[0].envelope.parties, 'usr_dave');
  });

  it('answers 422 insufficient_funds, currency_mismatch and same_account, 404 for unknown accounts', async () => {
    const from = await funded('usr_alice', 100);
    const to = await openAccount(service, 'usr_dave');
    const usd = await openAccount(service, 'usr_dave', { currency: 'USD' });
    const body = (extra: object) => ({
      debitAccountId: from,
      creditAccountId: to,
      amount: 50,
      currency: 'EUR',
      ...extra,
    });
    const cases: Array<[object, number, string]> = [
      [{ amount: 101 }, 422, 'insufficient_funds'],
      [{ creditAccountId: usd }, 422, 'currency_mismatch'],
      [{ creditAccountId: from }, 422, 'same_account'],
      [{ creditAccountId: 'acc_nope' }, 404, 'account_not_found'],
      [{ amount: 0 }, 400, 'validation_failed'],
      [{ amount: 2 ** 53 }, 400, 'validation_failed'],
      [{ amount: 1.5 }, 400, 'validation_failed'],
      [{ timeoutSeconds: 10 }, 400, 'validation_failed'],
    ];
    for (const [extra, status, code] of cases) {
      const res = await alice.post('/v1/transfers', body(extra));
      assert.equal(res.status, status, `${JSON.stringify(extra)}: ${res.body}`);
      assert.equal(res.json().code, code);
    }
    assert.equal((await alice.get(`/v1/accounts/${from}`)).json().balance, 100);
  });

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

  it('lists an account’s transfers on both sides, newest first', async () => {
    const from = await funded('usr_erin', 100);
    const to = await openAccount(service, 'usr_frank');
    h.clock.advance(1);
    await transfer(service, from, to, 10);
    h.clock.advance(1);
    await transfer(service, to, from, 5);
    const erin = await h.caller('usr_erin', ['customer']);
    const list = (await erin.get(`/v1/transfers?accountId=${from}`)).json();
    assert.deepEqual(
      list.data.map((t: { amount: number }) => t.amount),
      [5, 10, 100],
    );
    const mine = (await erin.get('/v1/transfers?limit=2')).json();
    assert.equal(mine.data.length, 2);
    const rest = (await erin.get(`/v1/transfers?limit=2&cursor=${mine.nextCursor}`)).json();
    assert.equal(rest.data.length, 1);
  });

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

  it('audits the ledger: operators only', async () => {
    const op = await h.caller('usr_op', ['operator']);
    const report = (await op.get('/v1/ledger/audit')).json();
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal((await alice.get('/v1/ledger/audit')).status, 403);
  });

  it('serves ops routes with the group-commit metrics', async () => {
    const res = await h.balance.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(res.body, /balance_group_commit_batch_items_bucket/);
    assert.match(res.body, /http_request_duration_seconds/);
    assert.equal((await h.balance.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
  });
});
