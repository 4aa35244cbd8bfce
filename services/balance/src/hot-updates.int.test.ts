import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FundedHarness, openAccount, startFunded, transfer } from './test-support.ts';

/**
 * ADR 0036: a transfer rewrites its two accounts as HOT updates (no new index entries), because the table
 * leaves room on its pages and no index covers a column a transfer changes.
 */
let f: FundedHarness;

before(async () => {
  f = await startFunded();
});
after(async () => {
  await f.h.close();
});

/** The columns a transfer writes on its accounts (ledger-sql.ts, writeLedger). */
const CHANGED_BY_TRANSFERS = ['posted_debits', 'posted_credits', 'pending_debits', 'version', 'updated_at'];

interface AccountStats {
  upd: number;
  hot: number;
}

async function accountStats(): Promise<AccountStats> {
  const { rows } = await f.h.pool.query<{ upd: string; hot: string }>(
    `select n_tup_upd as upd, n_tup_hot_upd as hot from pg_stat_user_tables
     where schemaname = current_schema() and relname = 'accounts'`,
  );
  return { upd: Number(rows[0]?.upd ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}

describe('accounts are written as HOT updates', () => {
  it('given the accounts table, then its pages keep room and no index covers a column a transfer changes', async () => {
    const { rows } = await f.h.pool.query<{ options: string[] | null }>(
      `select reloptions as options from pg_class where oid = 'accounts'::regclass`,
    );
    assert.deepEqual(rows[0]?.options, ['fillfactor=70']);
    const indexed = await f.h.pool.query<{ index: string; column: string }>(
      `select i.indexrelid::regclass::text as index, a.attname as column
       from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = 'accounts'::regclass`,
    );
    assert.ok(indexed.rows.length > 0);
    for (const r of indexed.rows)
      assert.ok(!CHANGED_BY_TRANSFERS.includes(r.column), `${r.index} covers ${r.column}`);
  });

  it('given transfers between accounts, then every update of the accounts is HOT', async () => {
    const a = await openAccount(f.service, 'usr_hot_a');
    const b = await openAccount(f.service, 'usr_hot_b');
    const start = await accountStats();
    const transfers = 20;
    for (let i = 0; i < transfers; i++) {
      const res = await transfer(f.service, i % 2 === 0 ? f.funding : a, i % 2 === 0 ? a : b, 10);
      assert.equal(res.status, 201, res.body);
    }
    // Each transfer updates two account rows. PostgreSQL publishes its counters with a delay, so wait
    // (bounded) until they show every update, then compare.
    const expected = start.upd + 2 * transfers;
    let now = await accountStats();
    for (let i = 0; i < 600 && now.upd < expected; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await accountStats();
    }
    assert.ok(now.upd >= expected, `the statistics show ${now.upd - start.upd} of ${2 * transfers} updates`);
    assert.equal(now.hot - start.hot, now.upd - start.upd, 'every account update was HOT');
  });
});
