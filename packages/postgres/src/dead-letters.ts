import { randomBytes } from 'node:crypto';
import type { Clock } from '@strongbox/kernel';
import type { Queryable } from './outbox.ts';

export const DEAD_LETTER_STATES = ['dead', 'replayed', 'discarded'] as const;
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number];
export const DEAD_LETTER_REASONS = ['handler_failed', 'delivery_limit', 'malformed'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface NewDeadLetter {
  readonly consumer: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly envelope: unknown;
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly attempts: number;
  readonly traceId: string | undefined;
}

export interface DeadLetter extends NewDeadLetter {
  readonly id: string;
  readonly state: DeadLetterState;
  readonly deadLetteredAt: Date;
  readonly resolvedAt: Date | undefined;
  readonly resolvedBy: string | undefined;
  readonly replays: number;
}

/**
 * Records an event a consumer gave up on. One row per consumer and event: a second copy of an event that
 * is already dead (redelivered after a crash between recording and acking) changes nothing, while an event
 * that fails again after a replay becomes dead again in the same row.
 */
export async function recordDeadLetter(q: Queryable, d: NewDeadLetter, clock: Clock): Promise<void> {
  await q.query(
    `insert into dead_letters
       (id, consumer, event_id, event_type, envelope, reason, error, attempts, trace_id, dead_lettered_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (consumer, event_id) do update
       set state = 'dead', reason = excluded.reason, error = excluded.error, attempts = excluded.attempts,
           dead_lettered_at = excluded.dead_lettered_at, resolved_at = null, resolved_by = null
     where dead_letters.state <> 'dead'`,
    [
      deadLetterId(clock),
      d.consumer,
      d.eventId,
      d.eventType,
      JSON.stringify(d.envelope),
      d.reason,
      d.error,
      d.attempts,
      d.traceId ?? null,
      clock.now(),
    ],
  );
}

export interface ListQuery {
  readonly state: DeadLetterState;
  readonly consumer?: string | undefined;
  /** Exclusive: the last id of the previous page. Pages run newest first. */
  readonly before?: string | undefined;
  readonly limit: number;
}

export async function listDeadLetters(q: Queryable, query: ListQuery): Promise<DeadLetter[]> {
  const { rows } = await q.query<Row>(
    `select * from dead_letters
      where state = $1 and ($2::text is null or consumer = $2) and ($3::text is null or id < $3)
      order by id desc limit $4`,
    [query.state, query.consumer ?? null, query.before ?? null, query.limit],
  );
  return rows.map(fromRow);
}

export async function findDeadLetter(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<DeadLetter | undefined> {
  const { rows } = await q.query<Row>(
    `select * from dead_letters where id = $1${opts.forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function resolveDeadLetter(
  q: Queryable,
  id: string,
  state: Exclude<DeadLetterState, 'dead'>,
  by: string,
  at: Date,
): Promise<DeadLetter> {
  const { rows } = await q.query<Row>(
    `update dead_letters
        set state = $2, resolved_by = $3, resolved_at = $4,
            replays = replays + case when $2 = 'replayed' then 1 else 0 end
      where id = $1 returning *`,
    [id, state, by, at],
  );
  if (!rows[0]) throw new Error(`dead letter ${id} vanished while locked`);
  return fromRow(rows[0]);
}

/** Dead letters of one consumer waiting for an operator: the dead-letter depth metric. */
export async function countDead(q: Queryable, consumer: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    "select count(*)::int as n from dead_letters where consumer = $1 and state = 'dead'",
    [consumer],
  );
  return rows[0]?.n ?? 0;
}

interface Row {
  id: string;
  consumer: string;
  event_id: string;
  event_type: string;
  envelope: unknown;
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  trace_id: string | null;
  state: DeadLetterState;
  dead_lettered_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  replays: number;
}

function fromRow(r: Row): DeadLetter {
  return {
    id: r.id,
    consumer: r.consumer,
    eventId: r.event_id,
    eventType: r.event_type,
    envelope: r.envelope,
    reason: r.reason,
    error: r.error,
    attempts: r.attempts,
    traceId: r.trace_id ?? undefined,
    state: r.state,
    deadLetteredAt: r.dead_lettered_at,
    resolvedAt: r.resolved_at ?? undefined,
    resolvedBy: r.resolved_by ?? undefined,
    replays: r.replays,
  };
}

/**
 * `dl_` over a UUIDv7 (RFC 9562): time-ordered like every Strongbox id, so pages sort by age. Built here
 * because the kernel's `newId` knows only its own prefixes; the layout is the RFC's, 48 bits of Unix
 * milliseconds, version 7, variant 10, random bits.
 */
export function deadLetterId(clock: Clock): string {
  const b = randomBytes(16);
  b.writeUIntBE(clock.now().getTime(), 0, 6);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `dl_${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
