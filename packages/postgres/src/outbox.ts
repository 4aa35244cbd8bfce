import type { CloudEvent } from '@strongbox/kernel';
import type pg from 'pg';

/** Upper bound of events one business transaction may append (one row per event, one statement). */
export const OUTBOX_APPEND_MAX = 1_000;

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Appends events to the service's outbox inside the caller's transaction, so they become visible exactly
 * when the change they describe commits, and vanish with it on rollback. One statement for any number.
 *
 * @example
 * await withTransaction(pool, async (tx) => { await applyTransfer(tx, t); await appendOutbox(tx, [event]); });
 */
export async function appendOutbox(tx: Queryable, events: readonly CloudEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (events.length > OUTBOX_APPEND_MAX) throw new Error(`at most ${OUTBOX_APPEND_MAX} events per append`);
  await tx.query(
    `insert into outbox (event_id, type, subject, envelope)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])`,
    [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.subject),
      events.map((e) => JSON.stringify(e)),
    ],
  );
}
