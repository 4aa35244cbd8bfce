import { type Pool, prepared, quoteIdent, withTransaction } from '@strongbox/postgres';

/**
 * The PostgreSQL transport's logs, as SQL (ADR 0040): a service's outbox archive read in log_position order
 * by each consumer from a checkpoint of its own, instead of copied into deliveries. Every statement names
 * the (quoted) messaging schema and the (quoted) source schema itself; the reading loop lives in
 * postgres-subscriber.ts, the pure bookkeeping in log-cursor.ts.
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

/** One consumer's checkpoint on one source, as the lease statement returns it. */
export interface CheckpointRow {
  readonly source: string;
  readonly position: bigint;
  readonly readTo: bigint;
  readonly rereads: number;
}

/** A row read from a log. */
export interface LogRow {
  readonly position: bigint;
  readonly eventId: string;
  readonly envelope: unknown;
}

/** What one read returns: the rows, and the log's end in the same snapshot (undefined: lease lost). */
export interface LogRead {
  readonly rows: readonly LogRow[];
  readonly end: bigint | undefined;
  readonly held: boolean;
}

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

/** An advance the reading loop hands back: the new checkpoint and whether the source starts over from it. */
export interface CheckpointAdvance {
  readonly source: string;
  readonly position: bigint;
  readonly rewind: boolean;
}

/**
 * One statement per round for all of a consumer's logs: moves the checkpoints this holder advanced, renews
 * its leases and takes any that are free or expired (or, with `release`, gives up the ones it holds).
 * Taking a lease another holder left with rows handed out, or starting over after a thrown handler,
 * counts a reread; moving a checkpoint resets the count. Returns the checkpoints this holder now holds.
 * The lease condition is in the top-level WHERE, so of two instances racing for an expired lease the
 * second re-checks the row the first wrote and takes nothing.
 */
export async function leaseCheckpoints(
  pool: Pool,
  schema: string,
  round: {
    consumer: string;
    holder: string;
    leaseMs: number;
    advances: readonly CheckpointAdvance[];
    release: boolean;
  },
): Promise<CheckpointRow[]> {
  const { rows } = await pool.query<{ source: string; position: bigint; read_to: bigint; rereads: number }>(
    prepared(
      `with a as (select * from unnest($4::text[], $5::bigint[], $6::bool[]) as a(source, position, rewind))
       update ${schema}.log_checkpoints c
          set (position, rereads) = (
                select n.position,
                       case when n.position > c.position then 0 else c.rereads end
                         + ((c.holder is distinct from $2 or n.rewind) and c.read_to > n.position)::int
                  from (select greatest(c.position, coalesce(max(a.position), c.position)) as position,
                               coalesce(bool_or(a.rewind), false) as rewind
                          from a where a.source = c.source) n),
              holder = case when $7 then null else $2 end,
              leased_until = case when $7 then '-infinity'::timestamptz
                                  else now() + $3 * interval '1 millisecond' end,
              updated_at = now()
        where c.consumer = $1
          and (c.holder = $2 or (not $7 and (c.holder is null or c.leased_until < now())))
        returning c.source, c.position, c.read_to, c.rereads`,
      [
        round.consumer,
        round.holder,
        round.leaseMs,
        round.advances.map((a) => a.source),
        round.advances.map((a) => String(a.position)),
        round.advances.map((a) => a.rewind),
        round.release,
      ],
    ),
  );
  return rows.map((r) => ({
    source: r.source,
    position: BigInt(r.position),
    readTo: BigInt(r.read_to),
    rereads: r.rereads,
  }));
}

/**
 * Up to `limit` rows after `after` whose type matches, lowest position first, and the log's end in the same
 * snapshot (only the relay leader writes the log, one statement at a time, so every row at or below the end
 * is visible). The same statement records the highest position handed out (read_to), and only if this
 * holder's lease is still current; when it is not, nothing is returned and `held` is false.
 */
export async function readLog(
  pool: Pool,
  schema: string,
  read: {
    consumer: string;
    holder: string;
    source: string;
    after: bigint;
    regexes: readonly string[];
    limit: number;
  },
): Promise<LogRead> {
  const log = `${quoteIdent(read.source)}.outbox_published`;
  const { rows } = await pool.query<{
    log_position: bigint | null;
    event_id: string | null;
    envelope: unknown;
    is_end: boolean;
  }>(
    prepared(
      `with r as (
         select log_position, event_id, envelope from ${log}
          where log_position > $4 and type ~ any($5::text[]) order by log_position limit $6),
       u as (
         update ${schema}.log_checkpoints set read_to = greatest(read_to, (select max(log_position) from r))
          where consumer = $1 and source = $2 and holder = $3 and leased_until > now()
            and exists (select 1 from r)
          returning 1)
       select log_position, event_id, envelope, false as is_end from r where exists (select 1 from u)
       union all
       select (select max(log_position) from ${log}), null, null, true
        where not exists (select 1 from r) or exists (select 1 from u)
       order by is_end, log_position`,
      [read.consumer, read.source, read.holder, String(read.after), [...read.regexes], read.limit],
    ),
  );
  const endRow = rows.find((r) => r.is_end);
  if (!endRow) return { rows: [], end: undefined, held: false };
  return {
    rows: rows
      .filter((r) => !r.is_end)
      .map((r) => ({
        position: BigInt(r.log_position ?? 0n),
        eventId: r.event_id ?? '',
        envelope: r.envelope,
      })),
    end: endRow.log_position == null ? undefined : BigInt(endRow.log_position),
    held: true,
  };
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

/** Rows after the consumer's checkpoints that its patterns match, over every log it reads: its log lag. */
export async function logLag(pool: Pool, schema: string, consumer: string): Promise<number> {
  const { rows } = await pool.query<{ source: string; position: bigint; regexes: string[] }>(
    `select c.source, c.position, s.regexes from ${schema}.log_checkpoints c
       join ${schema}.subscriptions s on s.consumer = c.consumer
      where c.consumer = $1`,
    [consumer],
  );
  let lag = 0;
  for (const r of rows) {
    const counted = await pool.query<{ n: number }>(
      `select count(*)::int as n from ${quoteIdent(r.source)}.outbox_published
        where log_position > $1 and type ~ any($2::text[])`,
      [String(r.position), r.regexes],
    );
    lag += counted.rows[0]?.n ?? 0;
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
