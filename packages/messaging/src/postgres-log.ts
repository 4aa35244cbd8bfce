import { type Pool, quoteIdent, withTransaction } from '@strongbox/postgres';

/**
 * The PostgreSQL transport's logs, as SQL (ADR 0040): a service's outbox archive read in log_position order
 * by each consumer from a checkpoint of its own, instead of copied into deliveries. Every statement names
 * the (quoted) messaging schema and the (quoted) source schema itself. A consumer's round on a log (one
 * statement) is in postgres-log-round.ts, its reading loop in postgres-log-reader.ts, the pure bookkeeping
 * in log-cursor.ts.
 */

/** The channel the relay notifies, in the statement that adds to a log (payload: logNotification). */
export const LOG_CHANNEL = 'strongbox.log';

/** PostgreSQL refuses a notification payload of 8,000 bytes or more; a longer list of types is left out. */
const LOG_NOTIFICATION_BYTES_MAX = 7_000;

/**
 * A log notification names the source and the event types just added, so that only consumers whose
 * patterns take one of them wake up: every consumer of the system may read every log, and waking all of
 * them for each batch cost each one a read per batch (ADR 0040). Without the types (too many for a
 * payload), every consumer wakes.
 */
export function logNotification(source: string, types: readonly string[]): string {
  const payload = JSON.stringify({ source, types: [...new Set(types)] });
  return Buffer.byteLength(payload) < LOG_NOTIFICATION_BYTES_MAX ? payload : JSON.stringify({ source });
}

/** The types a log notification names; undefined when it names none (or is not one of ours): wake all. */
export function notifiedTypes(payload: string): readonly string[] | undefined {
  try {
    const types = (JSON.parse(payload) as { types?: unknown }).types;
    return Array.isArray(types) && types.every((t) => typeof t === 'string') ? types : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serialises registering a source with creating a subscription: without it, each could miss the other
 * (neither sees the other's uncommitted row) and leave a subscription with no checkpoint on a log whose
 * events were routed to it.
 */
const LOG_SOURCES_LOCK = 'strongbox:messaging:log-sources';

type Queryable = Pick<Pool, 'query'>;

/** The source's current log end (0 for an empty log), inside the caller's transaction. */
async function logEnd(tx: Queryable, source: string): Promise<string> {
  const { rows } = await tx.query<{ end: bigint }>(
    `select coalesce(max(log_position), 0) as end from ${quoteIdent(source)}.outbox_published`,
  );
  return String(rows[0]?.end ?? 0n);
}

/** Registers `source` as a log and gives every existing subscription a checkpoint at its end. */
export async function registerLogSource(pool: Pool, schema: string, source: string): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [LOG_SOURCES_LOCK]);
    await tx.query(`insert into ${schema}.log_sources (source) values ($1) on conflict do nothing`, [source]);
    const end = await logEnd(tx, source);
    await tx.query(
      `insert into ${schema}.log_checkpoints (consumer, source, position, read_to)
       select consumer, $1, $2, $2 from ${schema}.subscriptions on conflict do nothing`,
      [source, end],
    );
  });
}

/**
 * Inside the transaction that creates or updates `consumer`'s subscription: a checkpoint at the current
 * end of every registered log it has none on. An event routed after the subscription is visible is
 * archived after this transaction committed, so it has a higher position.
 */
export async function createCheckpoints(tx: Queryable, schema: string, consumer: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [LOG_SOURCES_LOCK]);
  const { rows } = await tx.query<{ source: string }>(
    `select s.source from ${schema}.log_sources s
      where not exists (select 1 from ${schema}.log_checkpoints c where c.consumer = $1 and c.source = s.source)`,
    [consumer],
  );
  for (const { source } of rows) {
    const end = await logEnd(tx, source);
    await tx.query(
      `insert into ${schema}.log_checkpoints (consumer, source, position, read_to)
       values ($1, $2, $3, $3) on conflict do nothing`,
      [consumer, source, end],
    );
  }
}

/**
 * A log row whose handler asked for a retry becomes a delivery of its own, due after the delay, so the
 * log moves on; `claims` carries the attempts so far, and the next claim counts the next one.
 */
export async function deferToDeliveries(
  pool: Pool,
  schema: string,
  retry: { consumer: string; eventId: string; envelope: unknown; attempt: number; delayMs: number },
): Promise<void> {
  await pool.query(
    `insert into ${schema}.deliveries (consumer, event_id, envelope, available_at, claims)
     values ($1, $2, $3::jsonb, now() + $4 * interval '1 millisecond', $5)`,
    [retry.consumer, retry.eventId, JSON.stringify(retry.envelope), retry.delayMs, retry.attempt],
  );
}

/**
 * Log rows a lag probe looks at after a checkpoint, at most: the probe runs at every metrics scrape for
 * every consumer, and counting the whole tail of a consumer far behind cost milliseconds each time.
 */
export const LOG_LAG_SCAN_MAX = 1_000;

/**
 * A consumer's log lag, over every log it reads: the rows its patterns match among the first `scanMax`
 * (LOG_LAG_SCAN_MAX) rows after its checkpoint, plus every row beyond those, matching or not (the distance
 * in positions from the last row looked at to the log's end). Exact while the consumer is within
 * `scanMax` rows of the end; beyond that an upper bound that grows with the rows it has yet to pass,
 * at the cost of one bounded index range and one index lookup of the end per log.
 */
export async function logLag(
  pool: Pool,
  schema: string,
  consumer: string,
  scanMax = LOG_LAG_SCAN_MAX,
): Promise<number> {
  const { rows } = await pool.query<{ source: string; position: bigint; regexes: string[] }>(
    `select c.source, c.position, s.regexes from ${schema}.log_checkpoints c
       join ${schema}.subscriptions s on s.consumer = c.consumer
      where c.consumer = $1`,
    [consumer],
  );
  let lag = 0;
  for (const r of rows) {
    const log = `${quoteIdent(r.source)}.outbox_published`;
    const counted = await pool.query<{ n: string }>(
      `with w as (
         select log_position, type ~ any($2::text[]) as takes from ${log}
          where log_position > $1 order by log_position limit $3)
       select ((select count(*) from w where takes)
               + greatest(0, coalesce((select max(log_position) from ${log}), 0)
                               - coalesce((select max(log_position) from w), $1)))::text as n`,
      [String(r.position), r.regexes, scanMax],
    );
    lag += Number(counted.rows[0]?.n ?? 0);
  }
  return lag;
}

/** The lowest checkpoint on `source`; the archive's purge keeps every row above it. */
export async function checkpointFloor(
  pool: Pool,
  schema: string,
  source: string,
): Promise<bigint | undefined> {
  const { rows } = await pool.query<{ floor: bigint | null }>(
    `select min(position) as floor from ${schema}.log_checkpoints where source = $1`,
    [source],
  );
  const floor = rows[0]?.floor;
  return floor == null ? undefined : BigInt(floor);
}
