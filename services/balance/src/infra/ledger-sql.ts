import type { IdempotencyRef, IdempotentRequest } from '@strongbox/kernel';
import { refId } from '@strongbox/kernel';
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
 * The group commit's statements (ADR 0011). Locks are always taken in one global order: the batch's
 * Idempotency-Keys (ADR 0037), then transfers by id, then accounts by id, then idempotency_keys rows, so
 * concurrent batches (of this or another instance) wait for each other but never deadlock.
 */

/**
 * Takes a transaction-level advisory lock per Idempotency-Key, in hash order, before the keys are looked
 * up (ADR 0037): a twin in another transaction either committed before (and is found) or waits for this
 * one to commit. A key kept in a transfer's row has no row to lock before it exists; this lock stands in.
 */
export async function lockKeys(tx: Queryable, refs: readonly IdempotencyRef[]): Promise<void> {
  if (refs.length === 0) return;
  // The sorted subquery is not flattened (it has an ORDER BY), so the locks are taken in hash order.
  await tx.query(
    prepared(
      `select pg_advisory_xact_lock(h) from (
         select distinct hashtextextended(s || chr(31) || k, 37) as h
         from unnest($1::text[], $2::text[]) as x(s, k) order by h) o`,
      [refs.map((r) => r.scope), refs.map((r) => r.key)],
    ),
  );
}

/** A key kept in a transfer's row: the request it came with (as a hash) and the transfer now. */
export interface TransferKey {
  readonly requestHash: Buffer;
  readonly transfer: Transfer;
}

/** The transfers created under these keys (ADR 0037), by `refId`. */
export async function findTransferKeys(
  tx: Queryable,
  refs: readonly IdempotencyRef[],
): Promise<Map<string, TransferKey>> {
  if (refs.length === 0) return new Map();
  const { rows } = await tx.query<TransferRow & { scope: string; key: string; request_hash: Buffer }>(
    prepared(
      `select ${TRANSFER_COLUMNS}, t.idempotency_scope as scope, t.idempotency_key as key, t.request_hash
       from transfers t join unnest($1::text[], $2::text[]) as r(s, k)
         on t.idempotency_scope = r.s and t.idempotency_key = r.k
       where t.idempotency_key is not null`,
      [refs.map((r) => r.scope), refs.map((r) => r.key)],
    ),
  );
  return new Map(rows.map((r) => [refId(r), { requestHash: r.request_hash, transfer: toTransfer(r) }]));
}

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
 * Writes a batch's effects in one statement: new transfers (with the keys kept in their rows), resolved
 * transfers, entries and account totals, each as one bulk `unnest`. The accounts' CHECK constraints see
 * only the final totals, which the domain has already checked after every single transfer. Answers how
 * many new transfers were written: fewer than created means a key was taken by another transaction (the
 * key locks make that impossible; the unique index is the backstop) and the caller must roll back.
 */
export async function writeLedger(
  tx: Queryable,
  w: LedgerWrites,
  /** The Idempotency-Keys kept in created transfers' rows (ADR 0037), by transfer id. */
  keys: ReadonlyMap<string, IdempotentRequest>,
): Promise<number> {
  const c = w.created;
  const r = w.resolved;
  const e = w.entries;
  const a = w.accounts;
  const keyOf = c.map((t) => keys.get(t.id));
  const { rows } = await tx.query<{ written: number }>(
    prepared(
      `with created as (
       insert into transfers (id, debit_account_id, credit_account_id, amount, currency, status, posted_amount,
         description, metadata, trace_id, created_by, created_at, expires_at, resolved_at,
         idempotency_scope, idempotency_key, request_hash)
       select id, d, cr, amt, cur, st, pa, descr, meta, tr, creator, $1, exp, case when st = 'posted' then $1::timestamptz end,
              ks, kk, kh
       from unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], $8::int8[],
                   $9::text[], $10::jsonb[], $11::text[], $12::text[], $13::timestamptz[],
                   $29::text[], $30::text[], $31::bytea[])
         as x(id, d, cr, amt, cur, st, pa, descr, meta, tr, creator, exp, ks, kk, kh)
       on conflict (idempotency_scope, idempotency_key) where idempotency_key is not null do nothing
       returning 1
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
     ), totals as (
       update accounts t set posted_debits = x.pd, posted_credits = x.pc, pending_debits = x.pe, version = x.v,
              updated_at = $1
       from unnest($24::text[], $25::int8[], $26::int8[], $27::int8[], $28::int8[]) as x(id, pd, pc, pe, v)
       where t.id = x.id
     )
     select count(*)::int as written from created`,
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
        keyOf.map((k) => k?.scope ?? null),
        keyOf.map((k) => k?.key ?? null),
        keyOf.map((k) => k?.requestHash ?? null),
      ],
    ),
  );
  return rows[0]?.written ?? 0;
}

/** Pending transfers past their deadline, oldest first (the expiry sweeper's work list). */
export async function dueTransferIds(db: Queryable, at: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from transfers where status = 'pending' and expires_at <= $1 order by expires_at limit $2`,
    [at, limit],
  );
  return rows.map((r) => r.id);
}
