/**
 * One consumer's position in one log, between rounds (ADR 0040): pure bookkeeping, no I/O. Rows are read in
 * log order and handled concurrently; the checkpoint moves only over the contiguous prefix of handled rows,
 * so a crash anywhere leaves every unhandled row after it. A handler that ends without an outcome stops
 * reading; once the rows in hand are done, the cursor starts over from its checkpoint.
 */

type EntryState = 'reading' | 'done' | 'failed';

interface Entry {
  position: bigint;
  state: EntryState;
}

export interface LogCursor {
  readonly source: string;
  /** The checkpoint as last persisted (or about to be, by the next round). */
  checkpoint: bigint;
  /** Everything at or below this has been handed out (or skipped as unmatched) in this pass. */
  readTo: bigint;
  /** read_to when the pass began: rows at or below it are read again. */
  passReadTo: bigint;
  /** Passes over the current checkpoint's rows before this one (see log_checkpoints.rereads). */
  rereads: number;
  /** Rows in hand and the skipped stretches after them, in position order. */
  readonly entries: Entry[];
  /** A handler ended without an outcome: read nothing more until the rows in hand are done. */
  stalled: boolean;
  /**
   * Set when the rows of a stalled pass are done. The reading starts over from the checkpoint after the
   * pause, and the statement of that first read also persists the rewind (counting the reread), so the
   * new pass takes its attempts from what that statement returns (restartPass).
   */
  rewind: boolean;
  /** No reads before this time (ms since the epoch): the pause after a thrown handler. */
  pausedUntil: number;
}

/** A cursor for a checkpoint this holder just took (or took again). */
export function openCursor(row: {
  source: string;
  position: bigint;
  readTo: bigint;
  rereads: number;
}): LogCursor {
  return {
    source: row.source,
    checkpoint: row.position,
    readTo: row.position,
    passReadTo: row.readTo,
    rereads: row.rereads,
    entries: [],
    stalled: false,
    rewind: false,
    pausedUntil: 0,
  };
}

/** Whether the cursor may read now, and from where (after a rewind, from the checkpoint). */
export function readsFrom(cursor: LogCursor, nowMs: number): bigint | undefined {
  if (cursor.stalled || nowMs < cursor.pausedUntil) return undefined;
  return cursor.readTo;
}

/**
 * Records a read: its rows are in hand; when fewer than `limit` came back, every matching row up to the
 * log's end was among them, so the stretch up to the end counts as passed too.
 */
export function recordRead(
  cursor: LogCursor,
  positions: readonly bigint[],
  end: bigint | undefined,
  limit: number,
): void {
  for (const position of positions) cursor.entries.push({ position, state: 'reading' });
  const last = positions.at(-1);
  if (last !== undefined) cursor.readTo = last;
  if (positions.length < limit && end !== undefined && end > cursor.readTo) {
    // A done entry is never looked up again, so one at the tail just stretches to the end: while a slow
    // row holds the head, the skipped stretches stay one entry instead of one per round.
    const tail = cursor.entries.at(-1);
    if (tail?.state === 'done') tail.position = end;
    else cursor.entries.push({ position: end, state: 'done' });
    cursor.readTo = end;
  }
}

/** The attempt number of a row in this pass: 1 unless it was handed out before. */
export function attemptOf(cursor: LogCursor, position: bigint): number {
  return position <= cursor.passReadTo ? cursor.rereads + 1 : 1;
}

/** A handler finished: `handled` when it had an outcome (an ack, or a retry moved to deliveries). */
export function finish(cursor: LogCursor, position: bigint, handled: boolean): void {
  // The first copy still in hand: a lease taken again reads from the database's checkpoint and can hand out
  // a row whose first handling is still running. Matching a copy that already has its outcome would leave
  // the other in hand forever, and the checkpoint (and, once stalled, the reading) would stop there.
  const entry = cursor.entries.find((e) => e.position === position && e.state === 'reading');
  if (!entry) return;
  entry.state = handled ? 'done' : 'failed';
  if (!handled) cursor.stalled = true;
}

/**
 * Moves the checkpoint over the handled prefix and returns it when it moved. A stalled cursor whose rows
 * are all done is set to rewind: its reads start over from the checkpoint, after `pauseMs`.
 */
export function advance(cursor: LogCursor, nowMs: number, pauseMs: number): bigint | undefined {
  let moved: bigint | undefined;
  while (cursor.entries[0]?.state === 'done') {
    moved = cursor.entries.shift()?.position;
  }
  if (moved !== undefined) cursor.checkpoint = moved;
  if (cursor.stalled && !cursor.entries.some((e) => e.state === 'reading')) {
    cursor.entries.length = 0;
    cursor.readTo = cursor.checkpoint;
    cursor.stalled = false;
    cursor.rewind = true;
    cursor.pausedUntil = nowMs + pauseMs;
  }
  return moved;
}

/**
 * After the statement that persisted a rewind, before its rows are handed out: the new pass counts rereads
 * from what the database returned (read_to before that read, and the rereads with this one).
 */
export function restartPass(cursor: LogCursor, row: { readTo: bigint; rereads: number }): void {
  cursor.rewind = false;
  cursor.passReadTo = row.readTo;
  cursor.rereads = row.rereads;
}

/** Rows of this cursor still being handled. */
export function inHand(cursor: LogCursor): number {
  return cursor.entries.filter((e) => e.state === 'reading').length;
}
