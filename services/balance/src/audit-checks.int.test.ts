/**
 * The audit is the judge of the model, crash, concurrency and end-to-end tests, so each of its checks must
 * be shown to catch the ledger it exists for. Each test below breaks one invariant behind the service's
 * back (SQL on this test's own database, as a bad migration or a manual fix might), expects exactly that
 * check to fail and name exactly the tampered row, then repairs the row so the next test starts sound.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Caller, type Harness, openAccount, startBalance, transfer } from './test-support.ts';

let h: Harness;
let op: Caller;
let service: Caller;
let funding: string;
let a: string;
let b: string;
let transferId: string;

before(async () => {
  h = await startBalance();
  op = await h.caller('usr_op', ['operator']);
  service = await h.caller('cli_orders', ['service']);
  funding = await openAccount(service, 'cli_orders', { allowNegative: true });
  a = await openAccount(service, 'usr_a');
  b = await openAccount(service, 'usr_b');
  assert.equal((await transfer(service, funding, a, 100)).status, 201);
  const t = await transfer(service, a, b, 40);
  assert.equal(t.status, 201, t.body);
  transferId = t.json().id;
  assert.equal((await transfer(service, b, a, 15)).status, 201);
});
after(async () => {
  await h?.close();
});

/** The failed checks of the audit as an operator reads it, each with the offenders it names. */
async function failed(): Promise<Record<string, string[]>> {
  const res = await op.get('/v1/ledger/audit');
  assert.equal(res.status, 200, res.body);
  const report = res.json();
  const broken = report.checks.filter((c: { ok: boolean }) => !c.ok);
  assert.equal(report.ok, broken.length === 0, 'the report is ok exactly when every check is');
  return Object.fromEntries(broken.map((c: { name: string; offending: string[] }) => [c.name, c.offending]));
}

describe('each audit check catches the ledger it exists for', () => {
  beforeEach(async () => {
    assert.deepEqual(await failed(), {}, 'the ledger is sound before the tampering');
  });

  it('given an entry whose balanceAfter is not the running sum, then entries_running_balance names it', async () => {
    const { rows } = await h.pool.query<{ version: string }>(
      `select version::text from entries where account_id = $1 and transfer_id = $2`,
      [b, transferId],
    );
    const version = rows[0]?.version;
    assert.ok(version);
    const shift = (by: number) =>
      h.pool.query(
        'update entries set balance_after = balance_after + $3 where account_id = $1 and version = $2',
        [b, version, by],
      );
    await shift(1);
    try {
      assert.deepEqual(await failed(), { entries_running_balance: [`${b}@${version}`] });
    } finally {
      await shift(-1);
    }
  });

  it('given an account below zero that may not go negative, then never_negative names it', async () => {
    // The table's own constraint is the last line of defence; it is dropped here so the audit is the
    // only thing left to notice, as on a database migrated without it.
    await h.pool.query('alter table accounts drop constraint accounts_never_negative');
    await h.pool.query('update accounts set allow_negative = false where id = $1', [funding]);
    try {
      assert.deepEqual(await failed(), { never_negative: [funding] });
    } finally {
      await h.pool.query('update accounts set allow_negative = true where id = $1', [funding]);
      await h.pool.query(
        `alter table accounts add constraint accounts_never_negative
           check (allow_negative or posted_credits - posted_debits - pending_debits >= 0)`,
      );
    }
  });

  it('given a held amount that makes available negative, then never_negative names that account too', async () => {
    await h.pool.query('alter table accounts drop constraint accounts_never_negative');
    // b holds 25 (40 in, 15 out); a pending 30 against it would leave -5 available. The transfer row
    // makes held_matches_pending agree, so only never_negative is left to object.
    await h.pool.query(
      `insert into transfers (id, debit_account_id, credit_account_id, amount, currency, status, posted_amount,
                              created_by, created_at)
       values ('tr_tampered', $1, $2, 30, 'EUR', 'pending', 0, 'usr_tamper', now())`,
      [b, a],
    );
    await h.pool.query('update accounts set pending_debits = pending_debits + 30 where id = $1', [b]);
    try {
      assert.deepEqual(await failed(), { never_negative: [b] });
    } finally {
      await h.pool.query('update accounts set pending_debits = pending_debits - 30 where id = $1', [b]);
      await h.pool.query(`delete from transfers where id = 'tr_tampered'`);
      await h.pool.query(
        `alter table accounts add constraint accounts_never_negative
           check (allow_negative or posted_credits - posted_debits - pending_debits >= 0)`,
      );
    }
  });

  it('given a transfer in another currency than its accounts, then currencies_consistent names it', async () => {
    await h.pool.query(`update transfers set currency = 'USD' where id = $1`, [transferId]);
    try {
      assert.deepEqual(await failed(), { currencies_consistent: [transferId] });
    } finally {
      await h.pool.query(`update transfers set currency = 'EUR' where id = $1`, [transferId]);
    }
  });

  it('given a transfer between accounts that do not exist, then references_exist names it', async () => {
    // Voided and moving nothing, so only the reference is wrong (the foreign keys are gone, ADR 0038).
    await h.pool.query(
      `insert into transfers (id, debit_account_id, credit_account_id, amount, currency, status, posted_amount,
         created_by, created_at)
       values ('tr_orphan', 'acc_gone_1', 'acc_gone_2', 5, 'EUR', 'voided', 0, 'usr_op', now())`,
    );
    try {
      assert.deepEqual(await failed(), { references_exist: ['tr_orphan'] });
    } finally {
      await h.pool.query(`delete from transfers where id = 'tr_orphan'`);
    }
  });

  it('given an entry on an account that does not exist, then references_exist names it', async () => {
    await h.pool.query(
      `insert into entries (account_id, version, transfer_id, direction, amount, balance_after, created_at)
       values ('acc_gone', 1, $1, 'credit', 1, 1, now())`,
      [transferId],
    );
    try {
      assert.deepEqual((await failed())['references_exist'], ['acc_gone@1']);
    } finally {
      await h.pool.query(`delete from entries where account_id = 'acc_gone'`);
    }
  });
});
