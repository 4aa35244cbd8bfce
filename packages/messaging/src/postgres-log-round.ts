import { type Pool, prepared, quoteIdent } from '@strongbox/postgres';

/**
 * A consumer's round on one log as ONE statement (ADR 0040): it persists the checkpoint advance, renews or
 * takes the lease, reads the next rows and records the highest position handed out. The reading loop is in
 * postgres-log-reader.ts, the pure bookkeeping in log-cursor.ts.
 *
 * All parts of one statement see the same snapshot, so no part can read what another writes: the read
 * cannot depend on the update, and the update cannot touch the row twice. The statement therefore decides
 * from the snapshot (`cur`) whether this holder may read, reads from there (`r`), and writes everything in
 * one update (`u`) whose WHERE repeats the lease condition. Under READ COMMITTED that condition is checked
 * again on the newest version of the row when another statement changed it meanwhile, so of two instances
 * racing for an expired lease the second finds the first's lease, updates nothing and returns no rows:
 * rows are returned only when `u` wrote, or when nothing needed writing and the snapshot shows this
 * holder's lease with more than half of it left (no one else can take a lease before it expires).
 */

/** A row read from a log. */
export interface LogRow {
  readonly position: bigint;
  readonly eventId: string;
  readonly envelope: unknown;
}

/** What the reader asks of one round on one source. */
export interface LogRoundRequest {
  readonly consumer: string;
  readonly holder: string;
  readonly source: string;
  /**
   * What this holder has of the source: its checkpoint to persist (the handled prefix), whether it starts
   * over from it (a thrown handler), and where its reading stands. Undefined: it holds no lease there and
   * asks to take it, reading from the checkpoint the database has.
   */
  readonly kept:
    | { readonly checkpoint: bigint; readonly rewind: boolean; readonly readTo: bigint }
    | undefined;
  /** This instance's patterns; the round also reads what the stored subscription's patterns take. */
  readonly regexes: readonly string[];
  /** Rows to read; 0 reads nothing (the round only persists, renews or takes). */
  readonly limit: number;
  readonly leaseMs: number;
}

/** The checkpoint as this round found it: where a taken lease's reading starts, and the rereads so far. */
export interface RoundCheckpoint {
  /** The checkpoint before this round's advance. */
  readonly position: bigint;
  /** read_to before this round's read: rows at or below it were handed out before. */
  readonly readTo: bigint;
  /** Passes over the checkpoint's rows before this one, after this round's update. */
  readonly rereads: number;
}

export type LogRound =
  | {
      readonly held: true;
      readonly checkpoint: RoundCheckpoint;
      readonly rows: readonly LogRow[];
      /** The log's end in the statement's snapshot (undefined: an empty log). */
      readonly end: bigint | undefined;
      /** Whether the statement wrote (persisted, renewed or took). */
      readonly wrote: boolean;
      /** Every source this consumer has a checkpoint on: how a running consumer learns of a new log. */
      readonly sources: readonly string[];
    }
  | { readonly held: false; readonly sources: readonly string[] };

interface RoundRow {
  log_position: bigint | null;
  event_id: string | null;
  envelope: unknown;
  held: boolean | null;
  wrote: boolean | null;
  position: bigint | null;
  read_to: bigint | null;
  rereads: number | null;
  log_end: bigint | null;
  sources: string[] | null;
}

/**
 * One round on one source. The lease is written only when something changes: a take, an advance, a
 * rewind, rows handed out, or less than half the lease left; an idle holder's round is a read only.
 * Taking a lease another holder left with rows handed out, or starting over after a thrown handler, counts
 * a reread; moving the checkpoint resets the count.
 */
export async function logRound(pool: Pool, schema: string, req: LogRoundRequest): Promise<LogRound> {
  const log = `${quoteIdent(req.source)}.outbox_published`;
  const { rows } = await pool.query<RoundRow>(
    prepared(
      `with cur as (
         select position, read_to, rereads, $4::bool and holder is not distinct from $3 as kept,
                leased_until >= now() + $10::int * interval '1 millisecond' / 2 as fresh
           from ${schema}.log_checkpoints
          where consumer = $1 and source = $2
            and (holder = $3 or holder is null or leased_until < now())),
       r as (
         select log_position, event_id, envelope from ${log}
          where log_position > (select case when kept then $7::bigint else position end from cur)
            -- This instance's patterns or the stored ones routing uses, whichever takes the row: in a rolling
            -- deploy that changes them, a holder reading by either alone would pass over events routed for
            -- a pattern only the other has (an older holder, a newer instance's subscription).
            and (type ~ any($8::text[])
                 or type ~ any((select s.regexes from ${schema}.subscriptions s where s.consumer = $1)::text[]))
          order by log_position limit $9::int),
       u as (
         update ${schema}.log_checkpoints c
            set position = greatest(c.position, $5::bigint),
                rereads = case when greatest(c.position, $5::bigint) > c.position then 0 else c.rereads end
                  + ((not ($4::bool and c.holder is not distinct from $3) or $6::bool)
                     and c.read_to > greatest(c.position, $5::bigint))::int,
                read_to = greatest(c.read_to, (select max(log_position) from r)),
                holder = $3,
                leased_until = now() + $10::int * interval '1 millisecond',
                updated_at = now()
          where c.consumer = $1 and c.source = $2
            and (c.holder = $3 or c.holder is null or c.leased_until < now())
            and exists (select 1 from cur)
            and (not ($4::bool and c.holder is not distinct from $3) or $5::bigint > c.position or $6::bool
                 or exists (select 1 from r)
                 or c.leased_until < now() + $10::int * interval '1 millisecond' / 2)
          returning c.rereads),
       h as (
         select exists (select 1 from u)
                  or exists (select 1 from cur where kept and fresh)
                     and not $6::bool and not exists (select 1 from r)
                     and $5::bigint <= (select position from cur) as held)
       select log_position, event_id, envelope,
              null::bool as held, null::bool as wrote, null::bigint as position, null::bigint as read_to,
              null::int as rereads, null::bigint as log_end, null::text[] as sources
         from r where exists (select 1 from u)
       union all
       select null, null, null, h.held, exists (select 1 from u), cur.position, cur.read_to,
              coalesce((select rereads from u), cur.rereads),
              case when h.held then (select max(log_position) from ${log}) end,
              (select coalesce(array_agg(source order by source), '{}')
                 from ${schema}.log_checkpoints where consumer = $1)
         from h left join cur on true
       order by log_position nulls last`,
      [
        req.consumer,
        req.source,
        req.holder,
        req.kept !== undefined,
        req.kept === undefined ? null : String(req.kept.checkpoint),
        req.kept?.rewind ?? false,
        req.kept === undefined ? null : String(req.kept.readTo),
        [...req.regexes],
        req.limit,
        req.leaseMs,
      ],
    ),
  );
  const head = rows.at(-1);
  const sources = head?.sources ?? [];
  if (!head?.held || head.position == null || head.read_to == null) return { held: false, sources };
  return {
    held: true,
    checkpoint: {
      position: BigInt(head.position),
      readTo: BigInt(head.read_to),
      rereads: head.rereads ?? 0,
    },
    rows: rows.slice(0, -1).map((r) => ({
      position: BigInt(r.log_position ?? 0n),
      eventId: r.event_id ?? '',
      envelope: r.envelope,
    })),
    end: head.log_end == null ? undefined : BigInt(head.log_end),
    wrote: head.wrote === true,
    sources,
  };
}

/** The sources this consumer has checkpoints on: how a consumer that reads no log yet finds its first. */
export async function checkpointSources(pool: Pool, schema: string, consumer: string): Promise<string[]> {
  const { rows } = await pool.query<{ source: string }>(
    prepared(`select source from ${schema}.log_checkpoints where consumer = $1 order by source`, [consumer]),
  );
  return rows.map((r) => r.source);
}

/** An advance the reader hands back on release: the new checkpoint and whether the source starts over. */
export interface CheckpointAdvance {
  readonly source: string;
  readonly position: bigint;
  readonly rewind: boolean;
}

/**
 * On stop, after the last handler: persists the advances and gives up every lease this holder has, so
 * another instance goes on at once instead of after the lease. A rewind still counts its reread.
 */
export async function releaseCheckpoints(
  pool: Pool,
  schema: string,
  release: { consumer: string; holder: string; advances: readonly CheckpointAdvance[] },
): Promise<void> {
  await pool.query(
    `with a as (select * from unnest($3::text[], $4::bigint[], $5::bool[]) as a(source, position, rewind))
     update ${schema}.log_checkpoints c
        set (position, rereads) = (
              select n.position,
                     case when n.position > c.position then 0 else c.rereads end
                       + (n.rewind and c.read_to > n.position)::int
                from (select greatest(c.position, max(a.position)) as position,
                             coalesce(bool_or(a.rewind), false) as rewind
                        from a where a.source = c.source) n),
            holder = null,
            leased_until = '-infinity',
            updated_at = now()
      where c.consumer = $1 and c.holder = $2`,
    [
      release.consumer,
      release.holder,
      release.advances.map((a) => a.source),
      release.advances.map((a) => String(a.position)),
      release.advances.map((a) => a.rewind),
    ],
  );
}
