import type { Queryable } from './outbox.ts';
import { prepared } from './prepared.ts';

/** Upper bound of events one command may append to one stream. */
export const STREAM_APPEND_MAX = 100;
/** Upper bound of events read from one stream in one call: an aggregate longer than this is a design bug. */
export const STREAM_READ_MAX = 10_000;
/** Upper bound of events one `readAllEvents` page returns (projection rebuilds page through the store). */
export const ALL_EVENTS_PAGE_MAX = 1_000;

/** An event as a command hands it to the store; `data` and `metadata` must be JSON (money as numbers). */
export interface NewStreamEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** An event as the store gives it back. `version` counts from 1 within its stream. */
export interface StoredEvent {
  readonly position: bigint;
  readonly streamId: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, string>>;
  readonly recordedAt: Date;
}

/**
 * The stream was not at the version the writer read: another command appended first. The caller decides
 * again from the new state, or answers a conflict when its client named the version it expected.
 */
export class StreamVersionConflict extends Error {
  readonly streamId: string;
  readonly expectedVersion: number;
  constructor(streamId: string, expectedVersion: number) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`);
    this.name = 'StreamVersionConflict';
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
  }
}

/**
 * Appends events to a stream inside the caller's transaction, provided the stream is still at
 * `expectedVersion` (0 for a stream that must not exist yet). Returns the stream's new version. The check
 * and the version bump are one conditional statement on the stream's row, so of two concurrent writers that
 * read the same version exactly one succeeds; the other gets StreamVersionConflict (after the winner
 * commits, since it waits for the row lock) and its transaction is left usable.
 *
 * @example
 * const version = await appendToStream(tx, deal.id, deal.version, [{ id, type: 'deal.created', data }]);
 */
export async function appendToStream(
  tx: Queryable,
  streamId: string,
  expectedVersion: number,
  events: readonly NewStreamEvent[],
): Promise<number> {
  if (events.length === 0) return expectedVersion;
  if (events.length > STREAM_APPEND_MAX)
    throw new RangeError(`at most ${STREAM_APPEND_MAX} events per append, got ${events.length}`);
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)
    throw new RangeError(`expectedVersion must be a non-negative integer, got ${expectedVersion}`);
  const newVersion = expectedVersion + events.length;
  const claimed =
    expectedVersion === 0
      ? await tx.query(
          prepared(
            `insert into event_streams (stream_id, version) values ($1, $2)
             on conflict (stream_id) do nothing`,
            [streamId, newVersion],
          ),
        )
      : await tx.query(
          prepared(
            `update event_streams set version = $3, updated_at = now()
             where stream_id = $1 and version = $2`,
            [streamId, expectedVersion, newVersion],
          ),
        );
  if (claimed.rowCount !== 1) throw new StreamVersionConflict(streamId, expectedVersion);
  await tx.query(
    prepared(
      `insert into events (stream_id, version, event_id, type, data, metadata)
       select $1, v, id, t, d, m
       from unnest($2::int[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[]) as x(v, id, t, d, m)`,
      [
        streamId,
        events.map((_, i) => expectedVersion + i + 1),
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata ?? {})),
      ],
    ),
  );
  return newVersion;
}

interface EventRow {
  position: bigint;
  stream_id: string;
  version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, string>;
  recorded_at: Date;
}

const COLUMNS = 'position, stream_id, version, event_id, type, data, metadata, recorded_at';

function toStored(r: EventRow): StoredEvent {
  return {
    position: BigInt(r.position),
    streamId: r.stream_id,
    version: r.version,
    id: r.event_id,
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    recordedAt: r.recorded_at,
  };
}

/** The stream's events in version order, from `afterVersion` + 1; an unknown stream has none. */
export async function readStream(q: Queryable, streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
  const { rows } = await q.query<EventRow>(
    prepared(
      `select ${COLUMNS} from events where stream_id = $1 and version > $2 order by version limit $3`,
      [streamId, afterVersion, STREAM_READ_MAX + 1],
    ),
  );
  if (rows.length > STREAM_READ_MAX)
    throw new RangeError(`stream ${streamId} has more than ${STREAM_READ_MAX} events`);
  return rows.map(toStored);
}

/** The stream's current version: 0 when it does not exist. */
export async function streamVersion(q: Queryable, streamId: string): Promise<number> {
  const { rows } = await q.query<{ version: number }>(
    prepared('select version from event_streams where stream_id = $1', [streamId]),
  );
  return rows[0]?.version ?? 0;
}

/**
 * A page of every stream's events in position order, for rebuilding read models. Positions are handed out
 * at insert, not at commit, so a caller that pages while writers run must hold the rebuild in one
 * repeatable-read transaction (a snapshot) or otherwise stop writers; rebuilds do the former.
 */
export async function readAllEvents(
  q: Queryable,
  afterPosition: bigint,
  limit: number = ALL_EVENTS_PAGE_MAX,
): Promise<StoredEvent[]> {
  const pageSize = Math.min(Math.max(1, Math.trunc(limit)), ALL_EVENTS_PAGE_MAX);
  const { rows } = await q.query<EventRow>(
    prepared(`select ${COLUMNS} from events where position > $1 order by position limit $2`, [
      String(afterPosition),
      pageSize,
    ]),
  );
  return rows.map(toStored);
}
