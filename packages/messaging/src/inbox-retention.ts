import { prepared, type Queryable } from '@strongbox/postgres';

/**
 * How long a consumer remembers an event it handled. At least the outbox's retention of published events
 * (OUTBOX_RETENTION_MS in relay.ts), so that an event an operator publishes again from the outbox is still
 * recognised; far beyond any redelivery by a transport (leases of a minute, broker redeliveries).
 */
export const INBOX_RETENTION_MS = 8 * 24 * 60 * 60 * 1_000;
/**
 * Rows one purge statement deletes, and statements per run: up to 600,000 rows a minute per consumer
 * (10,000 events a second, above what one consumer handles on the reference machine), each statement its
 * own short piece of work, and a run stops as soon as a statement finds fewer rows than the limit.
 */
export const INBOX_PURGE_BATCH_MAX = 10_000;
export const INBOX_PURGE_BATCHES_PER_RUN = 60;
/** Once a minute, on one instance at a time. */
export const INBOX_PURGE_SCHEDULE = '23 * * * * *';

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
