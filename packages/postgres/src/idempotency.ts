import { randomUUID } from 'node:crypto';
import { type IdempotencyRef, type IdempotentRequest, refId, type StoredResponse } from '@strongbox/kernel';
import type { Queryable } from './outbox.ts';
import { prepared } from './prepared.ts';

/**
 * The Idempotency-Key store of brief §4 (ADR 0012), over the `idempotency_keys` table of the
 * `idempotency` migrations module. A key is scoped to its caller; the request it first came with is
 * remembered as a hash, and its first answer is replayed byte for byte. The request's identity (hash,
 * canonical JSON, `refId`) and the key's shape are the kernel's (`@strongbox/kernel`, idempotency.ts).
 *
 * Two ways to use it:
 * - **in the work's transaction** (`findIdempotent` + `recordIdempotent`): the answer is written with the
 *   effects, so a crash can never leave one without the other. A concurrent twin blocks on the primary
 *   key until the first commits, then finds the row. This costs no extra round trip or commit per request.
 * - **with a lease** (`claimIdempotent` + `completeIdempotent`): for work that cannot fit in one
 *   transaction, the key is claimed as `running` first; twins see `running` and wait (bounded) or answer
 *   409. A lease whose owner died runs out and the same request may take it over.
 *
 * @example
 * const found = await findIdempotent(tx, [req], now);          // absent | replay | mismatch | running
 * const lost = await recordIdempotent(tx, [{ ...req, response }], { at: now }); // [] unless a twin won
 */
/** Keys are kept at least this long (brief §4: 24 hours), then removed by `deleteExpiredIdempotent`. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;
/** Upper bound of rows one call reads or writes (one statement each). */
export const IDEMPOTENCY_BATCH_MAX = 1_000;
export const IDEMPOTENCY_CLEANUP_BATCH_MAX = 5_000;

export type IdempotencyState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'running' };

interface KeyRow {
  scope: string;
  key: string;
  request_hash: Buffer;
  state: 'running' | 'done';
  response_status: number | null;
  body: string | null;
  expires_at: Date;
}

/** What a stored row means for a request that arrives now. An expired row counts as absent. */
export function classify(row: KeyRow | undefined, hash: Buffer, now: Date): IdempotencyState {
  if (!row || row.expires_at.getTime() <= now.getTime()) return { kind: 'absent' };
  if (!row.request_hash.equals(hash)) return { kind: 'mismatch' };
  if (row.state === 'running' || row.response_status === null || row.body === null)
    return { kind: 'running' };
  return { kind: 'replay', response: { status: row.response_status, body: row.body } };
}

function checkBatch(n: number): void {
  if (n > IDEMPOTENCY_BATCH_MAX)
    throw new Error(`at most ${IDEMPOTENCY_BATCH_MAX} idempotency keys per call`);
}

/** Looks up many requests in one statement; the answer maps `refId` to what each request should do. */
export async function findIdempotent(
  db: Queryable,
  requests: readonly IdempotentRequest[],
  now: Date,
): Promise<Map<string, IdempotencyState>> {
  checkBatch(requests.length);
  const out = new Map<string, IdempotencyState>();
  if (requests.length === 0) return out;
  const { rows } = await db.query<KeyRow>(
    prepared(
      `select k.scope, k.key, k.request_hash, k.state, k.response_status, k.response_body::text as body,
            k.expires_at
     from idempotency_keys k
     join unnest($1::text[], $2::text[]) as r(scope, key) on k.scope = r.scope and k.key = r.key`,
      [requests.map((r) => r.scope), requests.map((r) => r.key)],
    ),
  );
  const byId = new Map(rows.map((r) => [refId(r), r]));
  for (const r of requests) out.set(refId(r), classify(byId.get(refId(r)), r.requestHash, now));
  return out;
}

const sortRefs = <T extends IdempotencyRef>(xs: readonly T[]): T[] =>
  [...xs].sort((a, b) => (refId(a) < refId(b) ? -1 : refId(a) > refId(b) ? 1 : 0));

/** What recording a key does to a row already there: it replaces only a row past its expiry (`$6` is now). */
const RECORD_CONFLICT = `on conflict (scope, key) do update
       set request_hash = excluded.request_hash, state = 'done', lease_token = null, lease_expires_at = null,
           response_status = excluded.response_status, response_body = excluded.response_body,
           created_at = excluded.created_at, expires_at = excluded.expires_at
       where k.expires_at <= $6`;

/**
 * recordIdempotent for one request, as the text of a statement that answers one row when it recorded the
 * key and none when another request holds it; `recordOneValues` fills its parameters $1…$7. For a
 * statement that records the key and makes the work's effects at once (runIdempotentStatement).
 */
export const RECORD_ONE_SQL = `insert into idempotency_keys as k
       (scope, key, request_hash, state, response_status, response_body, created_at, expires_at)
     values ($1, $2, $3, 'done', $4, $5::json, $6, $7)
     ${RECORD_CONFLICT}
     returning 1`;

/** The parameters of RECORD_ONE_SQL: $1…$7. */
export function recordOneValues(
  record: IdempotentRequest & { readonly response: StoredResponse },
  opts: { at: Date; ttlMs?: number },
): unknown[] {
  return [
    record.scope,
    record.key,
    record.requestHash,
    record.response.status,
    record.response.body,
    opts.at,
    new Date(opts.at.getTime() + (opts.ttlMs ?? IDEMPOTENCY_TTL_MS)),
  ];
}

/**
 * Records finished requests inside the transaction that made their effects. Rows are inserted in key
 * order, so two transactions recording overlapping keys cannot deadlock on them. Answers the refs that
 * another transaction already holds (a twin that won): the caller must roll back and look them up again.
 * A row past its expiry is replaced.
 */
export async function recordIdempotent(
  tx: Queryable,
  records: ReadonlyArray<IdempotentRequest & { readonly response: StoredResponse }>,
  opts: { at: Date; ttlMs?: number },
): Promise<IdempotencyRef[]> {
  checkBatch(records.length);
  if (records.length === 0) return [];
  const sorted = sortRefs(records);
  const expires = new Date(opts.at.getTime() + (opts.ttlMs ?? IDEMPOTENCY_TTL_MS));
  const { rows } = await tx.query<IdempotencyRef>(
    prepared(
      `insert into idempotency_keys as k
       (scope, key, request_hash, state, response_status, response_body, created_at, expires_at)
     select scope, key, hash, 'done', status, body::json, $6, $7
     from unnest($1::text[], $2::text[], $3::bytea[], $4::int[], $5::text[]) as r(scope, key, hash, status, body)
     ${RECORD_CONFLICT}
     returning scope, key`,
      [
        sorted.map((r) => r.scope),
        sorted.map((r) => r.key),
        sorted.map((r) => r.requestHash),
        sorted.map((r) => r.response.status),
        sorted.map((r) => r.response.body),
        opts.at,
        expires,
      ],
    ),
  );
  const written = new Set(rows.map(refId));
  return sorted.filter((r) => !written.has(refId(r))).map((r) => ({ scope: r.scope, key: r.key }));
}

export type ClaimResult =
  | { readonly kind: 'claimed'; readonly token: string }
  | Exclude<IdempotencyState, { kind: 'absent' }>;

/**
 * Lease mode: claims the key as `running` in its own statement (commit it before the long work). A row
 * that expired, or a `running` row of the same request whose lease ran out, is taken over.
 */
export async function claimIdempotent(
  db: Queryable,
  request: IdempotentRequest,
  opts: { at: Date; leaseMs: number; ttlMs?: number },
): Promise<ClaimResult> {
  const token = randomUUID();
  const { rows } = await db.query(
    prepared(
      `insert into idempotency_keys as k
       (scope, key, request_hash, state, lease_token, lease_expires_at, created_at, expires_at)
     values ($1, $2, $3, 'running', $4, $5, $6, $7)
     on conflict (scope, key) do update
       set request_hash = excluded.request_hash, state = 'running', lease_token = excluded.lease_token,
           lease_expires_at = excluded.lease_expires_at, response_status = null, response_body = null,
           created_at = excluded.created_at, expires_at = excluded.expires_at
       where k.expires_at <= $6
          or (k.state = 'running' and k.lease_expires_at <= $6 and k.request_hash = excluded.request_hash)
     returning key`,
      [
        request.scope,
        request.key,
        request.requestHash,
        token,
        new Date(opts.at.getTime() + opts.leaseMs),
        opts.at,
        new Date(opts.at.getTime() + (opts.ttlMs ?? IDEMPOTENCY_TTL_MS)),
      ],
    ),
  );
  if (rows.length === 1) return { kind: 'claimed', token };
  const state = (await findIdempotent(db, [request], opts.at)).get(refId(request));
  // The row vanished between the two statements (cleanup): the caller may simply try again.
  return state && state.kind !== 'absent' ? state : { kind: 'running' };
}

/**
 * Lease mode: stores the answer in the work's own transaction. Answers false when the lease was lost
 * (taken over after it ran out): the caller must then roll its work back.
 */
export async function completeIdempotent(
  tx: Queryable,
  ref: IdempotencyRef & { readonly token: string },
  response: StoredResponse,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update idempotency_keys set state = 'done', response_status = $4, response_body = $5::json,
            lease_token = null, lease_expires_at = null
     where scope = $1 and key = $2 and lease_token = $3 and state = 'running'`,
    [ref.scope, ref.key, ref.token, response.status, response.body],
  );
  return rowCount === 1;
}

/** Lease mode: gives the key up after work that had no effect failed, so that a retry may run it. */
export async function abandonIdempotent(
  db: Queryable,
  ref: IdempotencyRef & { readonly token: string },
): Promise<void> {
  await db.query(
    `delete from idempotency_keys where scope = $1 and key = $2 and lease_token = $3 and state = 'running'`,
    [ref.scope, ref.key, ref.token],
  );
}

/**
 * Lease mode: waits for a twin that is `running` to finish, polling at most `timeoutMs`; still running
 * afterwards, the caller answers 409 idempotency_in_progress.
 */
export async function waitForIdempotent(
  db: Queryable,
  request: IdempotentRequest,
  opts: { timeoutMs: number; pollMs: number; now: () => Date },
): Promise<IdempotencyState> {
  const polls = Math.max(1, Math.ceil(opts.timeoutMs / opts.pollMs));
  let state: IdempotencyState = { kind: 'running' };
  for (let i = 0; i < polls; i++) {
    await new Promise((r) => setTimeout(r, opts.pollMs));
    state = (await findIdempotent(db, [request], opts.now())).get(refId(request)) ?? { kind: 'absent' };
    if (state.kind !== 'running') return state;
  }
  return state;
}

/** Deletes at most `limit` expired keys; run it repeatedly (bounded) until it answers less than `limit`. */
export async function deleteExpiredIdempotent(
  db: Queryable,
  now: Date,
  limit: number = IDEMPOTENCY_CLEANUP_BATCH_MAX,
): Promise<number> {
  const { rowCount } = await db.query(
    `delete from idempotency_keys where (scope, key) in (
       select scope, key from idempotency_keys where expires_at <= $1 limit $2)`,
    [now, limit],
  );
  return rowCount ?? 0;
}
