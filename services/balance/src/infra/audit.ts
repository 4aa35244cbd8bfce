import type { Pool, PoolClient } from '@strongbox/postgres';
import type { AuditCheck, AuditReport } from '../ports.ts';

/** Each check names at most this many offenders; the figures still count all of them. */
export const AUDIT_OFFENDERS_MAX = 100;

interface Check {
  readonly name: string;
  readonly description: string;
  /** Selects `id` (an offender) for each row that breaks the invariant, plus a window count `total`. */
  readonly offenders: string;
}

/** The ledger's invariants (issue 3), each a query that lists the rows breaking it. */
const CHECKS: readonly Check[] = [
  {
    name: 'zero_sum_per_currency',
    description: 'Per currency, the balances of all accounts add up to zero (double entry)',
    offenders: `select currency as id, count(*) over () as total from accounts group by currency
                having sum(posted_credits - posted_debits) <> 0 or sum(posted_credits) <> sum(posted_debits)`,
  },
  {
    name: 'balances_match_entries',
    description: "Every account's posted debits and credits equal the sums of its entries",
    offenders: `select a.id, count(*) over () as total from accounts a
                left join (select account_id, sum(amount) filter (where direction = 'debit') as d,
                                  sum(amount) filter (where direction = 'credit') as c
                           from entries group by account_id) e on e.account_id = a.id
                where a.posted_debits <> coalesce(e.d, 0) or a.posted_credits <> coalesce(e.c, 0)`,
  },
  {
    name: 'entries_running_balance',
    description: "Each entry's balanceAfter is the running sum of the account's entries up to it",
    offenders: `select account_id || '@' || version as id, count(*) over () as total from (
                  select account_id, version, balance_after,
                         sum(case direction when 'credit' then amount else -amount end)
                           over (partition by account_id order by version) as running
                  from entries) x
                where balance_after <> running`,
  },
  {
    name: 'held_matches_pending',
    description: "Every account's held amount equals the sum of its pending transfers",
    offenders: `select a.id, count(*) over () as total from accounts a
                left join (select debit_account_id, sum(amount) as s from transfers where status = 'pending'
                           group by debit_account_id) p on p.debit_account_id = a.id
                where a.pending_debits <> coalesce(p.s, 0)`,
  },
  {
    name: 'never_negative',
    description: 'No account without allowNegative has available (balance - held) below zero',
    offenders: `select id, count(*) over () as total from accounts
                where not allow_negative and posted_credits - posted_debits - pending_debits < 0`,
  },
  {
    name: 'transfers_balanced',
    description:
      'Every transfer has a debit entry on its debit account and a credit entry on its credit account, ' +
      'each of its posted amount (none unless posted)',
    offenders: `select t.id, count(*) over () as total from transfers t
                left join (select e.transfer_id,
                             sum(e.amount) filter (where e.direction = 'debit') as d,
                             sum(e.amount) filter (where e.direction = 'credit') as c,
                             count(*) as n,
                             bool_and(e.account_id = case e.direction when 'debit' then tr.debit_account_id
                                                     else tr.credit_account_id end) as sides_ok
                           from entries e join transfers tr on tr.id = e.transfer_id
                           group by e.transfer_id) e on e.transfer_id = t.id
                where coalesce(e.d, 0) <> t.posted_amount or coalesce(e.c, 0) <> t.posted_amount
                   or (t.posted_amount > 0 and (e.n <> 2 or not e.sides_ok))`,
  },
  {
    // The foreign keys were dropped for the ledger's speed (ADR 0038); this is where their guarantee lives.
    name: 'references_exist',
    description: 'Every entry names an existing account and transfer, every transfer existing accounts',
    offenders: `select x.id, count(*) over () as total from (
                  select e.account_id || '@' || e.version as id from entries e
                  where not exists (select 1 from accounts a where a.id = e.account_id)
                     or not exists (select 1 from transfers t where t.id = e.transfer_id)
                  union all
                  select t.id from transfers t
                  where not exists (select 1 from accounts a where a.id = t.debit_account_id)
                     or not exists (select 1 from accounts a where a.id = t.credit_account_id)) x`,
  },
  {
    name: 'currencies_consistent',
    description: 'Every transfer is in the currency of both of its accounts',
    offenders: `select t.id, count(*) over () as total from transfers t
                join accounts d on d.id = t.debit_account_id join accounts c on c.id = t.credit_account_id
                where t.currency <> d.currency or t.currency <> c.currency`,
  },
];

async function runCheck(tx: PoolClient, c: Check): Promise<AuditCheck> {
  const { rows } = await tx.query<{ id: string; total: bigint }>(
    `select id, total from (${c.offenders}) o order by id limit ${AUDIT_OFFENDERS_MAX}`,
  );
  const total = Number(rows[0]?.total ?? 0n);
  return {
    name: c.name,
    ok: rows.length === 0,
    description: c.description,
    figures: { offenders: total },
    offending: rows.map((r) => r.id),
  };
}

/** Totals that help a reader judge the report: sizes, and per currency the sums the checks compare. */
async function figures(tx: PoolClient): Promise<Record<string, number | string>> {
  const { rows } = await tx.query<{ name: string; value: string }>(
    `select 'accounts' as name, count(*)::text as value from accounts
     union all select 'transfers', count(*)::text from transfers
     union all select 'entries', count(*)::text from entries
     union all select 'pendingTransfers', count(*)::text from transfers where status = 'pending'
     union all select currency || '.balanceSum', sum(posted_credits - posted_debits)::text from accounts
       group by currency
     union all select currency || '.held', sum(pending_debits)::text from accounts group by currency`,
  );
  const safe = (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : v);
  return Object.fromEntries(rows.map((r) => [r.name, safe(r.value)]));
}

/**
 * Checks every invariant over one snapshot (REPEATABLE READ, read only), so a report taken under load is
 * consistent: it sees each batch wholly or not at all. Full scans: run it off-peak on a large ledger.
 */
export async function runAudit(pool: Pool, now: Date): Promise<AuditReport> {
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const checks: AuditCheck[] = [];
    for (const c of CHECKS) checks.push(await runCheck(client, c));
    const totals = await figures(client);
    await client.query('commit');
    return {
      ok: checks.every((c) => c.ok),
      checkedAt: now.toISOString(),
      checks: [
        {
          name: 'totals',
          ok: true,
          description: 'Sizes and per-currency sums',
          figures: totals,
          offending: [],
        },
        ...checks,
      ],
    };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
