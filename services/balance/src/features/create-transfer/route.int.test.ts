/** POST /v1/transfers: a posted transfer moves money, writes entries and events, or is refused whole. */
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

describe('making a transfer', () => {
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
});
