import type { CloudEvent } from '@strongbox/kernel';
import { outboxInsert, prepared, type Queryable } from '@strongbox/postgres';
import type { NewRecord, ProcessingRecord, ProcessingStatus } from '../domain/processing.ts';

/** Narrow, named queries over processing records; each takes the pool or one transaction. */

interface Row {
  id: string;
  order_id: string;
  amount: string;
  currency: string;
  description: string | null;
  trace_id: string | null;
  status: ProcessingStatus;
  attempts: number;
  last_error: string | null;
  received_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Named, not `*`: a prepared `*` fails once a migration adds a column under a running instance. */
const COLUMNS = [
  'id',
  'order_id',
  'amount',
  'currency',
  'description',
  'trace_id',
  'status',
  'attempts',
  'last_error',
  'received_at',
  'started_at',
  'finished_at',
];

const fromRow = (r: Row): ProcessingRecord => ({
  id: r.id,
  orderId: r.order_id,
  amountMinor: BigInt(r.amount),
  currency: r.currency,
  description: r.description,
  traceId: r.trace_id,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  receivedAt: r.received_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** A new record's own columns, $1…$6 of both inserts: id, order, amount, currency, description, trace. */
const newRecordValues = (r: NewRecord) => [
  r.id,
  r.orderId,
  String(r.amountMinor),
  r.currency,
  r.description,
  r.traceId,
];

/** Records a received order as pending (or cancelled); answers false when the order already has a record. */
export async function insertReceived(
  db: Queryable,
  r: NewRecord & { status: 'pending' | 'cancelled' },
  at: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    prepared(
      `insert into processing (id, order_id, amount, currency, description, trace_id, status, next_attempt_at,
       received_at, finished_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $8, $9::timestamptz, $8)
     on conflict (order_id) do nothing`,
      [...newRecordValues(r), r.status, at, r.status === 'cancelled' ? at : null],
    ),
  );
  return rowCount === 1;
}

/**
 * Records a received order already claimed by this process (ADR 0044): its first attempt begun at `at`,
 * leased until `leaseUntil`, exactly as claimDue would leave it, and its `started` event in the outbox, in
 * one statement. Nothing is written (not the event either) when the order already has a record; answers
 * whether it was written.
 */
export async function insertStarted(
  db: Queryable,
  r: NewRecord,
  at: Date,
  leaseUntil: Date,
  started: CloudEvent,
): Promise<boolean> {
  const append = outboxInsert([started], 9, 'exists (select 1 from received)');
  const { rows } = await db.query<{ received: number }>(
    prepared(
      `with received as (
         insert into processing (id, order_id, amount, currency, description, trace_id, status, attempts,
           next_attempt_at, received_at, started_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, 'processing', 1, $8::timestamptz, $7::timestamptz, $7, $7)
         on conflict (order_id) do nothing
         returning 1
       ), appended as (${append.sql})
       select count(*)::int as received from received`,
      [...newRecordValues(r), at, leaseUntil, ...append.params],
    ),
  );
  return rows[0]?.received === 1;
}

/** A cancelled order that has not started is not processed; answers whether it was stopped in time. */
export async function cancelIfPending(db: Queryable, orderId: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update processing set status = 'cancelled', finished_at = $2, updated_at = $2
      where order_id = $1 and status = 'pending' and attempts = 0`,
    [orderId, at],
  );
  return rowCount === 1;
}

/**
 * Claims up to `limit` due records: pending ones whose retry time has come, and processing ones whose
 * lease ended (their worker died). Each claim is one more attempt and holds a lease until `leaseUntil`.
 * `first` says whether this is the record's first start (processing began just now).
 */
export async function claimDue(
  db: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<Array<ProcessingRecord & { first: boolean }>> {
  const { rows } = await db.query<Row & { first: boolean }>(
    prepared(
      `update processing p set status = 'processing', attempts = p.attempts + 1, next_attempt_at = $2,
        started_at = coalesce(p.started_at, $1), updated_at = $1
      where p.id in (
        select id from processing
         where status in ('pending', 'processing') and next_attempt_at <= $1
         order by next_attempt_at limit $3 for update skip locked)
      returning ${COLUMNS.map((c) => `p.${c}`).join(', ')}, p.attempts = 1 as first`,
      [now, leaseUntil, limit],
    ),
  );
  return rows.map((r) => ({ ...fromRow(r), first: r.first }));
}

/** How an attempt ended, as the record keeps it. */
export interface AttemptEnd {
  readonly status: 'completed' | 'failed' | 'pending';
  readonly error: string | null;
  readonly retryAt: Date | null;
}

/**
 * Records the end of attempt `attempt`, only if the record is still that attempt's (a worker whose lease
 * ran out and was taken over writes nothing), and with it the `processed` event when there is one: one
 * statement, no BEGIN or COMMIT (ADR 0044). The event is inserted only when the update matched, so a
 * discarded late finish writes no event either. Answers whether it was recorded.
 */
export async function finishAttempt(
  db: Queryable,
  id: string,
  attempt: number,
  to: AttemptEnd,
  at: Date,
  processed?: CloudEvent,
): Promise<boolean> {
  const params = [id, attempt, to.status, to.error, to.retryAt, at];
  const update = `update processing set status = $3::text, last_error = $4,
        next_attempt_at = coalesce($5::timestamptz, next_attempt_at),
        finished_at = case when $3::text in ('completed', 'failed') then $6::timestamptz else null end, updated_at = $6
      where id = $1 and attempts = $2 and status = 'processing'`;
  // A retry has no event to append, and an outbox part that inserts nothing would still wake the relay.
  if (!processed) {
    const { rowCount } = await db.query(prepared(update, params));
    return rowCount === 1;
  }
  const append = outboxInsert([processed], params.length + 1, 'exists (select 1 from finished)');
  const { rows } = await db.query<{ finished: number }>(
    prepared(
      `with finished as (${update} returning 1), appended as (${append.sql})
       select count(*)::int as finished from finished`,
      [...params, ...append.params],
    ),
  );
  return rows[0]?.finished === 1;
}

export async function findByOrder(db: Queryable, orderId: string): Promise<ProcessingRecord | undefined> {
  const { rows } = await db.query<Row>('select * from processing where order_id = $1', [orderId]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function countBacklog(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from processing where status in ('pending', 'processing')`,
  );
  return rows[0]?.n ?? 0;
}
