import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import {
  advance,
  attemptOf,
  finish,
  type LogCursor,
  openCursor,
  readsFrom,
  recordRead,
  restartPass,
} from './log-cursor.ts';
import { deferToDeliveries } from './postgres-log.ts';
import {
  checkpointSources,
  type LogRoundRequest,
  type LogRow,
  logRound,
  releaseCheckpoints,
} from './postgres-log-round.ts';
import { topicRegex } from './topic.ts';
import type { Subscription, SubscriptionHandlers } from './transport.ts';

export interface LogReaderOptions {
  readonly pool: Pool;
  /** Quoted messaging schema. */
  readonly schema: string;
  readonly subscription: Subscription;
  readonly handlers: SubscriptionHandlers;
  readonly leaseMs: number;
  /**
   * Also the pause before a log starts over after a handler ended without an outcome, the wait before
   * another try at a lease someone else holds, and the longest a read waits for half the slots.
   */
  readonly pollMs: number;
  readonly log: Logger | undefined;
}

/** What the subscriber's loop gives the reader each round. */
export interface LogRoundSlots {
  /** Handler slots free now. */
  readonly free: number;
  /** A log notification came since the last round (a new log may have rows for this consumer). */
  readonly notified: boolean;
  /** Starts one handler in a slot; the subscriber tracks it and wakes itself when it ends. */
  start(run: () => Promise<void>): void;
  /** Wakes the loop after `ms` (a retry moved to deliveries comes due). */
  wakeAfter(ms: number): void;
}

export interface LogReader {
  /** One statement per log that has something to do (read, take, renew); true when a read filled the slots. */
  round(slots: LogRoundSlots): Promise<boolean>;
  /** After the last handler: persists the checkpoints and gives up the leases, so another instance goes on. */
  release(): Promise<void>;
  /**
   * This instance's patterns from the next round on (an adjustable subscription's, ADR 0046). A round
   * also reads what the stored patterns take, so a change another instance made is never passed over.
   */
  setEventTypes(eventTypes: readonly string[]): void;
}

/** What the reader keeps of one source it has a checkpoint on. */
interface SourceState {
  /** Present while this instance holds the lease. */
  cursor: LogCursor | undefined;
  /** When the lease was last written (ms since the epoch, taken after the statement returned). */
  renewedAt: number;
  /** When this source was last read. */
  readAt: number;
  /** Not held: no try at its lease before this time. */
  tryAt: number;
}

/**
 * A consumer's reading of the logs it has checkpoints on (ADR 0040), one round at a time inside the
 * subscriber's loop. A round on a log is one statement (postgres-log-round.ts) that persists the checkpoint,
 * renews or takes the lease and reads into the free slots; only the lease holder reads, so instances of one
 * consumer never read the same rows side by side.
 *
 * A held log is read only when at least half the slots are free (or once per poll): each handler that ends
 * wakes the loop, and reading into every single freed slot cost a statement per event. The checkpoint
 * advance rides along with the next read; a round with nothing to read sends a statement only when half
 * the lease is gone, so a busy or idle holder does not write every round.
 */
export function createLogReader(opts: LogReaderOptions): LogReader {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const consumer = opts.subscription.name;
  let regexes = opts.subscription.eventTypes.map(topicRegex);
  const refillAt = Math.max(1, Math.ceil(opts.subscription.concurrency / 2));
  const sources = new Map<string, SourceState>();
  let discoveredAt = Number.NEGATIVE_INFINITY;

  /** The sources the database lists are the ones to read; a checkpoint removed there is dropped here. */
  const learn = (listed: readonly string[]) => {
    for (const source of listed)
      if (!sources.has(source)) sources.set(source, { cursor: undefined, renewedAt: 0, readAt: 0, tryAt: 0 });
    for (const source of [...sources.keys()]) if (!listed.includes(source)) sources.delete(source);
  };

  /**
   * A consumer that knows no log yet asks for its checkpoints when a log notification came or once per
   * poll; once it reads one, every round statement lists them.
   */
  const discover = async (now: number, notified: boolean) => {
    if (sources.size > 0 || (!notified && now - discoveredAt < opts.pollMs)) return;
    discoveredAt = now;
    learn(await checkpointSources(opts.pool, opts.schema, consumer));
  };

  /** This round's request for one source, or undefined when it has nothing to do. */
  const plan = (source: string, s: SourceState, free: number, now: number): LogRoundRequest | undefined => {
    const base = { consumer, holder, source, regexes, leaseMs: opts.leaseMs };
    const cursor = s.cursor;
    if (!cursor) {
      if (now < s.tryAt) return undefined;
      return { ...base, kept: undefined, limit: Math.max(0, free) };
    }
    advance(cursor, now, opts.pollMs);
    const readable =
      readsFrom(cursor, now) !== undefined && free > 0 && (free >= refillAt || now - s.readAt >= opts.pollMs);
    const renewDue = now - s.renewedAt >= opts.leaseMs / 2;
    if (!readable && !renewDue) return undefined;
    return {
      ...base,
      kept: { checkpoint: cursor.checkpoint, rewind: cursor.rewind, readTo: cursor.readTo },
      limit: readable ? free : 0,
    };
  };

  const handle = async (cursor: LogCursor, row: LogRow, slots: LogRoundSlots): Promise<void> => {
    let handled = false;
    try {
      const attempt = attemptOf(cursor, row.position);
      const disposition = await opts.handlers.onMessage({ body: row.envelope, attempt });
      if (disposition.kind === 'retry') {
        // The log moves on; the retry is a delivery of this consumer's own, as on a source without a log.
        await deferToDeliveries(opts.pool, opts.schema, {
          consumer,
          eventId: row.eventId,
          envelope: row.envelope,
          attempt,
          delayMs: disposition.delayMs,
        });
        slots.wakeAfter(disposition.delayMs);
      }
      handled = true;
    } catch (err) {
      // No outcome: the checkpoint stays before this row, which is read again, exactly as after a crash.
      opts.log?.warn(
        { err, source: cursor.source, position: String(row.position) },
        'log row left to a reread',
      );
    }
    finish(cursor, row.position, handled);
  };

  /**
   * One source's round: the statement, then the cursor brought up to what it returned. Answers the rows
   * read and whether they filled the slots asked for.
   */
  const roundOn = async (
    source: string,
    s: SourceState,
    slots: LogRoundSlots,
    free: number,
  ): Promise<{ read: number; full: boolean }> => {
    const none = { read: 0, full: false };
    const req = plan(source, s, free, Date.now());
    if (!req) return none;
    let result: Awaited<ReturnType<typeof logRound>>;
    try {
      result = await logRound(opts.pool, opts.schema, req);
    } catch (err) {
      opts.log?.warn({ err, source }, 'log round failed');
      return none;
    }
    const now = Date.now();
    learn(result.sources);
    if (!result.held) {
      if (s.cursor) opts.log?.warn({ source }, 'log lease lost to another instance');
      s.cursor = undefined;
      s.tryAt = now + opts.pollMs;
      return none;
    }
    const cursor = s.cursor ?? openCursor({ source, ...result.checkpoint });
    s.cursor = cursor;
    if (result.wrote) {
      s.renewedAt = now;
      if (req.kept?.rewind) restartPass(cursor, result.checkpoint);
    }
    if (req.limit > 0) {
      s.readAt = now;
      recordRead(
        cursor,
        result.rows.map((r) => r.position),
        result.end,
        req.limit,
      );
    }
    for (const row of result.rows) slots.start(() => handle(cursor, row, slots));
    return { read: result.rows.length, full: req.limit > 0 && result.rows.length === req.limit };
  };

  return {
    async round(slots) {
      try {
        await discover(Date.now(), slots.notified);
      } catch (err) {
        opts.log?.warn({ err }, 'log checkpoints could not be listed');
        return false;
      }
      let free = slots.free;
      let more = false;
      // The live map: a log that a round statement lists for the first time gets its round in this one.
      for (const [source, s] of sources) {
        const { read, full } = await roundOn(source, s, slots, free);
        more ||= full;
        free -= read;
      }
      return more;
    },

    setEventTypes(eventTypes) {
      regexes = eventTypes.map(topicRegex);
    },

    async release() {
      if (sources.size === 0) return;
      const now = Date.now();
      const advances = [];
      for (const s of sources.values()) {
        if (!s.cursor) continue;
        advance(s.cursor, now, opts.pollMs);
        advances.push({ source: s.cursor.source, position: s.cursor.checkpoint, rewind: s.cursor.rewind });
      }
      await releaseCheckpoints(opts.pool, opts.schema, { consumer, holder, advances });
    },
  };
}
