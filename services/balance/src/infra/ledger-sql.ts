import { prepared, type Queryable } from '@strongbox/postgres';
import type { Account, Entry, Transfer } from '../domain/ledger.ts';
import {
  ACCOUNT_COLUMNS,
  type AccountRow,
  TRANSFER_COLUMNS,
  type TransferRow,
  toAccount,
  toTransfer,
} from './rows.ts';

/**
 * The group commit's statements (ADR 0011). Locks are always taken in one global order, transfers by id,
 * then accounts by id, then idempotency keys, so concurrent batches (of this or another instance) wait
 * for each other but never deadlock.
 */

/** Locks the transfers a batch posts, voids or expires, so each resolves exactly once. */
export async function lockTransfers(tx: Queryable, ids: readonly string[]): Promise<Map<string, Transfer>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<TransferRow>(
    prepared(`select ${TRANSFER_COLUMNS} from transfers where id = any($1::text[]) order by id for update`, [
      ids,
    ]),
  );
  return new Map(rows.map((r) => [r.id, toTransfer(r)]));
}

export interface LockedAccounts {
  readonly accounts: Map<string, Account>;
  /** The latest change of any locked account: a batch's time never goes below it. */
  readonly updatedAtMax: Date | null;
}

/** Locks the accounts a batch touches, in id order (ORDER BY makes FOR UPDATE lock in that order). */
export async function lockAccounts(tx: Queryable, ids: readonly string[]): Promise<LockedAccounts> {
  if (ids.length === 0) return { accounts: new Map(), updatedAtMax: null };
  const { rows } = await tx.query<AccountRow & { updated_at: Date }>(
    prepared(
      `select ${ACCOUNT_COLUMNS}, updated_at from accounts where id = any($1::text[]) order by id for update`,
      [ids],
    ),
  );
  let updatedAtMax: Date | null = null;
  for (const r of rows) if (!updatedAtMax || r.updated_at > updatedAtMax) updatedAtMax = r.updated_at;
  return { accounts: new Map(rows.map((r) => [r.id, toAccount(r)])), updatedAtMax };
}

/** An entry with the trace id of the request whose command made it (as its transfer carries one). */
export type TracedEntry = Entry & { readonly traceId: string | null };

export interface LedgerWrites {
  readonly at: Date;
  readonly created: readonly Transfer[];
  readonly resolved: readonly Transfer[];
  readonly entries: readonly TracedEntry[];
  /** Final state of every account the batch changed: a hot account is written once per batch. */
  readonly accounts: readonly Account[];
}

const json = (v: unknown) => JSON.stringify(v);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Writes a batch's effects in one statement: new transfers, resolved transfers, entries and account
 * totals, each as one bulk `unnest`. The accounts' CHECK constraints see only the final totals, which the
 * domain has already checked after every single transfer.
 */
export async function writeLedger(tx: Queryable, w: LedgerWrites): Promise<void> {
  const c = w.created;
  const r = w.resolved;
  const e = w.entries;
  const a = w.accounts;
  await tx.query(
    prepared(
      `with created as (
       insert into transfers (id, debit_account_id, credit_account_id, amount, currency, status, posted_amount,
         description, metadata, trace_id, created_by, created_at, expires_at, resolved_at)
       select id, d, cr, amt, cur, st, pa, descr, meta, tr, creator, $1, exp, case when st = 'posted' then $1::timestamptz end
       from unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], $8::int8[],
                   $9::text[], $10::jsonb[], $11::text[], $12::text[], $13::timestamptz[])
         as x(id, d, cr, amt, cur, st, pa, descr, meta, tr, creator, exp)
     ), resolved as (
       update transfers t set status = x.st, posted_amount = x.pa, resolved_at = $1
       from unnest($14::text[], $15::text[], $16::int8[]) as x(id, st, pa)
       where t.id = x.id
     ), posted as (
       insert into entries (account_id, version, transfer_id, direction, amount, balance_after, trace_id,
         created_at)
       select acc, v, tr, dir, amt, bal, trace, $1
       from unnest($17::text[], $18::int8[], $19::text[], $20::text[], $21::int8[], $22::int8[], $23::text[])
         as x(acc, v, tr, dir, amt, bal, trace)
     )
     update accounts t set posted_debits = x.pd, posted_credits = x.pc, pending_debits = x.pe, version = x.v,
            updated_at = $1
     from unnest($24::text[], $25::int8[], $26::int8[], $27::int8[], $28::int8[]) as x(id, pd, pc, pe, v)
     where t.id = x.id`,
      [
        w.at,
        c.map((t) => t.id),
        c.map((t) => t.debitAccountId),
        c.map((t) => t.creditAccountId),
        c.map((t) => t.amount),
        c.map((t) => t.currency),
        c.map((t) => t.status),
        c.map((t) => t.postedAmount),
        c.map((t) => t.description),
        c.map((t) => json(t.metadata)),
        c.map((t) => t.traceId),
        c.map((t) => t.createdBy),
        c.map((t) => iso(t.expiresAt)),
        r.map((t) => t.id),
        r.map((t) => t.status),
        r.map((t) => t.postedAmount),
        e.map((x) => x.accountId),
        e.map((x) => x.version),
        e.map((x) => x.transferId),
        e.map((x) => x.direction),
        e.map((x) => x.amount),
        e.map((x) => x.balanceAfter),
        e.map((x) => x.traceId),
        a.map((x) => x.id),
        a.map((x) => x.postedDebits),
        a.map((x) => x.postedCredits),
        a.map((x) => x.pendingDebits),
        a.map((x) => x.version),
      ],
    ),
  );
}

/** Pending transfers past their deadline, oldest first (the expiry sweeper's work list). */
export async function dueTransferIds(db: Queryable, at: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from transfers where status = 'pending' and expires_at <= $1 order by expires_at limit $2`,
    [at, limit],
  );
  return rows.map((r) => r.id);
}
