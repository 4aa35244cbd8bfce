import type { CloudEvent, IdempotencyRef, IdempotentRequest } from '@strongbox/kernel';
import { refId } from '@strongbox/kernel';
import { outboxInsert, prepared, type Queryable } from '@strongbox/postgres';
import { classify, type IdempotencyState } from '@strongbox/postgres/idempotency';
import type { Account, Entry, Transfer } from '../domain/ledger.ts';
import {
  ACCOUNT_COLUMNS,
  type AccountRow,
  TRANSFER_COLUMNS,
  TRANSFER_COLUMNS_OF_T,
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

/** Where each of a batch's Idempotency-Keys was found, by `refId`: the key store, a transfer's row, both or neither. */
export interface FoundKeys {
  readonly stored: Map<string, IdempotencyState>;
  readonly inTransfers: Map<string, TransferKey>;
}

type KeyLookupRow = Partial<TransferRow> & {
  scope: string;
  key: string;
  k_hash: Buffer | null;
  k_state: 'running' | 'done' | null;
  k_status: number | null;
  k_body: string | null;
  k_expires_at: Date | null;
  t_hash: Buffer | null;
};

/**
 * Looks every key up in both places it may live, in one statement: the key store (a request answered
 * there, ADR 0012) and the row of the transfer it created (ADR 0037). One row per key that is found in
 * either; the caller runs it after the keys' advisory locks, so a twin that committed meanwhile is seen.
 */
export async function findKeys(
  tx: Queryable,
  requests: readonly IdempotentRequest[],
  now: Date,
): Promise<FoundKeys> {
  const stored = new Map<string, IdempotencyState>();
  const inTransfers = new Map<string, TransferKey>();
  if (requests.length === 0) return { stored, inTransfers };
  const { rows } = await tx.query<KeyLookupRow>(
    prepared(
      `select r.s as scope, r.k as key,
              k.request_hash as k_hash, k.state as k_state, k.response_status as k_status,
              k.response_body::text as k_body, k.expires_at as k_expires_at,
              t.request_hash as t_hash, ${TRANSFER_COLUMNS_OF_T}
       from unnest($1::text[], $2::text[]) as r(s, k)
       left join idempotency_keys k on k.scope = r.s and k.key = r.k
       left join transfers t on t.idempotency_scope = r.s and t.idempotency_key = r.k
       where k.key is not null or t.id is not null`,
      [requests.map((r) => r.scope), requests.map((r) => r.key)],
    ),
  );
  const byId = new Map(rows.map((r) => [refId(r), r]));
  for (const req of requests) {
    const r = byId.get(refId(req));
    const keyRow =
      r?.k_hash && r.k_state && r.k_expires_at
        ? {
            scope: r.scope,
            key: r.key,
            request_hash: r.k_hash,
            state: r.k_state,
            response_status: r.k_status,
            body: r.k_body,
            expires_at: r.k_expires_at,
          }
        : undefined;
    stored.set(refId(req), classify(keyRow, req.requestHash, now));
    if (r?.t_hash && r.id)
      inTransfers.set(refId(req), { requestHash: r.t_hash, transfer: toTransfer(r as TransferRow) });
  }
  return { stored, inTransfers };
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
  /** The batch's events, appended to the outbox by the same statement, after the account locks. */
  readonly events: readonly CloudEvent[];
}

const json = (v: unknown) => JSON.stringify(v);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Writes a batch's effects in one statement (ADR 0041): new transfers (with the keys kept in their rows),
 * resolved transfers, entries, account totals and the events in the outbox, each as one bulk `unnest`.
 * The events come after the account locks (the statement before), which is what keeps them in commit
 * order per account (ADR 0008); the outbox's statement trigger notifies the relay at commit, as after
 * appendOutbox. The accounts' CHECK constraints see only the final totals, which the domain has already checked after every single transfer. Answers how
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
  const appended = outboxInsert(w.events, 32);
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
     ), appended as (
       ${appended.sql}
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
        ...appended.params,
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
