import type { CloudEvent } from '@strongbox/kernel';
import type pg from 'pg';
import { prepared } from './prepared.ts';

/** Upper bound of events one business transaction may append (one row per event, one statement). */
export const OUTBOX_APPEND_MAX = 1_000;

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Appends events to the service's outbox inside the caller's transaction, so they become visible exactly
 * when the change they describe commits, and vanish with it on rollback. One statement for any number.
 * Append after the writes (and row locks) the events describe: the relay's order follows commits, and an
 * event appended after its entity was locked can never overtake an earlier committed event about it.
 *
 * @example
 * await withTransaction(pool, async (tx) => { await applyTransfer(tx, t); await appendOutbox(tx, [event]); });
 */
export async function appendOutbox(tx: Queryable, events: readonly CloudEvent[]): Promise<void> {
  if (events.length === 0) return;
  const append = outboxInsert(events, 1);
  await tx.query(prepared(append.sql, append.params));
}

/** The SQL of an outbox insert and its parameters, to be placed in a statement of the caller's. */
export interface OutboxInsert {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * The insert appendOutbox sends, as a part of a larger statement (a data-modifying CTE), so that a change
 * and its events take one round trip: the same rows, from parameters numbered from `firstParam`, whose
 * values go after the caller's own. With `when`, an SQL condition (say `exists (select 1 from changed)`),
 * the rows are inserted only if it holds; a condition that reads the change's CTE also makes the change
 * (and its row locks) come first, as appendOutbox's rule asks. The text depends only on `firstParam` and
 * `when`, so it stays one prepared statement. Note that the outbox's statement trigger notifies the relay
 * even when no row is inserted: leave the part out when there are no events to append.
 *
 * @example
 * const append = outboxInsert(events, 3, 'exists (select 1 from changed)');
 * await db.query(prepared(`with changed as (update … where id = $1 and version = $2 returning 1),
 *   appended as (${append.sql}) select count(*)::int as n from changed`, [id, version, ...append.params]));
 */
export function outboxInsert(events: readonly CloudEvent[], firstParam: number, when?: string): OutboxInsert {
  if (events.length > OUTBOX_APPEND_MAX) throw new Error(`at most ${OUTBOX_APPEND_MAX} events per append`);
  const [id, type, subject, envelope] = [0, 1, 2, 3].map((i) => `$${firstParam + i}`);
  return {
    sql: `insert into outbox (event_id, type, subject, envelope)
       select * from unnest(${id}::text[], ${type}::text[], ${subject}::text[], ${envelope}::jsonb[])${
         when ? ` where ${when}` : ''
       }`,
    params: [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.subject),
      events.map((e) => JSON.stringify(e)),
    ],
  };
}

/** The channel the outbox trigger notifies on commit; the same expression as in 0001-outbox.sql. */
export function outboxChannel(schema: string): string {
  return `strongbox.outbox.${schema}`;
}

/** An unpublished event as the relay reads it: the envelope stays JSON text, never parsed and re-encoded. */
export interface UnpublishedEvent {
  readonly position: bigint;
  readonly id: string;
  readonly type: string;
  readonly json: string;
}

/**
 * The oldest unpublished events that are visible now, lowest position first. Visibility is the ordering
 * that matters (ADR 0008): a row appears only once its transaction has committed, so an event whose
 * transaction commits late is read when it commits, and a rolled-back row never appears at all.
 */
export async function readUnpublished(q: Queryable, limit: number): Promise<UnpublishedEvent[]> {
  const { rows } = await q.query<{ position: bigint; event_id: string; type: string; json: string }>(
    prepared(
      `select position, event_id, type, envelope::text as json
       from outbox where published_at is null order by position limit $1`,
      [limit],
    ),
  );
  return rows.map((r) => ({ position: r.position, id: r.event_id, type: r.type, json: r.json }));
}

export async function markPublished(q: Queryable, positions: readonly bigint[], at: Date): Promise<void> {
  if (positions.length === 0) return;
  await q.query(
    prepared('update outbox set published_at = $2 where position = any($1::bigint[])', [
      positions.map(String),
      at,
    ]),
  );
}

/**
 * With the `outboxArchive` module (ADR 0039): removes the confirmed events from the outbox and keeps a copy
 * in `outbox_published`, in one statement. The outbox then holds only what is still to publish. The copy
 * draws its `log_position` as it is inserted, in outbox position order (ADR 0040); with `notify`, the same
 * statement notifies readers of the log, which PostgreSQL delivers when it commits.
 */
export async function archivePublished(
  q: Queryable,
  positions: readonly bigint[],
  at: Date,
  notify?: { readonly channel: string; readonly payload: string },
): Promise<void> {
  if (positions.length === 0) return;
  const move = `with done as (
         delete from outbox where position = any($1::bigint[])
         returning position, event_id, type, subject, envelope, created_at),
       moved as (
         insert into outbox_published (position, event_id, type, subject, envelope, created_at, published_at)
         select position, event_id, type, subject, envelope, created_at, $2 from done order by position)`;
  const params: unknown[] = [positions.map(String), at];
  await q.query(
    notify
      ? prepared(`${move} select pg_notify($3, $4)`, [...params, notify.channel, notify.payload])
      : prepared(`${move} select 1`, params),
  );
}

/** Whether the schema the pool reads has the outbox archive (the `outboxArchive` module). */
export async function hasOutboxArchive(q: Queryable, schema: string): Promise<boolean> {
  const { rows } = await q.query<{ archive: string | null }>(
    "select to_regclass(quote_ident($1) || '.outbox_published')::text as archive",
    [schema],
  );
  return rows[0]?.archive != null;
}

/**
 * With the archive, the outbox is a queue: every row is deleted moments after it is inserted, and the
 * relay's read (`order by position limit …`) starts at the left edge of the primary key, where the deleted
 * rows' index entries pile up until a vacuum removes them. Between autovacuum's visits (once a minute at
 * best) that pile was hundreds of index pages read on every batch. The relay vacuums the table itself,
 * often; `skip_locked` returns at once when autovacuum holds it. Never inside a transaction.
 */
export async function vacuumOutbox(q: Queryable): Promise<void> {
  await q.query('vacuum (skip_locked) outbox');
}

/**
 * Deletes up to `limit` archived events published before `before` (the BRIN index finds them). With
 * `logPositionMax`, only rows at or below it go: the archive is a log (ADR 0040) and rows after the lowest
 * consumer checkpoint are still to be read.
 */
export async function purgeArchived(
  q: Queryable,
  before: Date,
  limit: number,
  logPositionMax?: bigint,
): Promise<number> {
  const { rowCount } = await q.query(
    `delete from outbox_published where ctid = any(array(
       select ctid from outbox_published
        where published_at < $1 and ($3::bigint is null or log_position <= $3) limit $2))`,
    [before, limit, logPositionMax === undefined ? null : String(logPositionMax)],
  );
  return rowCount ?? 0;
}

/** Age of the oldest visible unpublished event, in milliseconds; 0 when everything is published. */
export async function oldestUnpublishedAgeMs(q: Queryable, now: Date): Promise<number> {
  const { rows } = await q.query<{ created_at: Date }>(
    'select created_at from outbox where published_at is null order by position limit 1',
  );
  const oldest = rows[0]?.created_at;
  return oldest ? Math.max(0, now.getTime() - oldest.getTime()) : 0;
}

/**
 * Deletes up to `limit` events published before `before`. The oldest positions are the ones eligible, so
 * the primary-key scan stops after `limit` matches instead of reading the table.
 */
export async function purgePublished(q: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `delete from outbox where position in (
       select position from outbox where published_at < $1 order by position limit $2)`,
    [before, limit],
  );
  return rowCount ?? 0;
}
