import type { Queryable } from './outbox.ts';
import { prepared } from './prepared.ts';

/**
 * The inbox (migrations/inbox): one row per (consumer, event id) that a consumer has handled, written in
 * the transaction of the handler's effect, so a redelivered event finds its row and changes nothing.
 */

/**
 * Rows one purge statement deletes, and statements per run: up to 600,000 rows a minute per consumer
 * (10,000 events a second, above what one consumer handles on the reference machine), each statement its
 * own short piece of work, and a run stops as soon as a statement finds fewer rows than the limit.
 */
export const INBOX_PURGE_BATCH_MAX = 10_000;
export const INBOX_PURGE_BATCHES_PER_RUN = 60;

/** Fails unless the service's schema holds the inbox and dead_letters tables (a consumer's start check). */
export async function probeInboxTables(q: Queryable): Promise<void> {
  await q.query('select 1 from inbox limit 0; select 1 from dead_letters limit 0');
}

/**
 * Records the events in `consumer`'s inbox with one statement and answers the ids that were new; an id
 * already there (a redelivery) is left out, and so is the second copy of an id listed twice.
 */
export async function recordInbox(
  tx: Queryable,
  consumer: string,
  eventIds: readonly string[],
  at: Date,
): Promise<Set<string>> {
  const { rows } = await tx.query<{ event_id: string }>(
    prepared(
      `insert into inbox (consumer, event_id, processed_at)
           select $1, id, $3 from unnest($2::text[]) as id
           on conflict do nothing returning event_id`,
      [consumer, eventIds, at],
    ),
  );
  return new Set(rows.map((r) => r.event_id));
}

/**
 * Forgets the events `consumer` handled before `before`, at most `limit` rows per statement and
 * `batches` statements; answers how many rows went.
 */
export async function purgeInbox(
  q: Queryable,
  consumer: string,
  before: Date,
  opts: { limit?: number; batches?: number } = {},
): Promise<number> {
  const limit = opts.limit ?? INBOX_PURGE_BATCH_MAX;
  let purged = 0;
  for (let i = 0; i < (opts.batches ?? INBOX_PURGE_BATCHES_PER_RUN); i++) {
    const { rowCount } = await q.query(
      prepared(
        `delete from inbox where ctid = any(array(
           select ctid from inbox where processed_at < $2 and consumer = $1 limit $3))`,
        [consumer, before, limit],
      ),
    );
    purged += rowCount ?? 0;
    if ((rowCount ?? 0) < limit) break;
  }
  return purged;
}
