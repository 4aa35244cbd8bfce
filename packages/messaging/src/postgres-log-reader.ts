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
import { deferToDeliveries, type LogRow, leaseCheckpoints, readLog } from './postgres-log.ts';
import { topicRegex } from './topic.ts';
import type { Subscription, SubscriptionHandlers } from './transport.ts';

export interface LogReaderOptions {
  readonly pool: Pool;
  /** Quoted messaging schema. */
  readonly schema: string;
  readonly subscription: Subscription;
  readonly handlers: SubscriptionHandlers;
  readonly leaseMs: number;
  /** Also the pause before a log starts over after a handler ended without an outcome. */
  readonly pollMs: number;
  readonly log: Logger | undefined;
}

/** What the subscriber's loop gives the reader each round. */
export interface LogRoundSlots {
  /** Handler slots free now. */
  readonly free: number;
  /** Starts one handler in a slot; the subscriber tracks it and wakes itself when it ends. */
  start(run: () => Promise<void>): void;
  /** Wakes the loop after `ms` (a retry moved to deliveries comes due). */
  wakeAfter(ms: number): void;
}

export interface LogReader {
  /** Persists checkpoints, renews leases, reads into the free slots; true when a read filled them. */
  round(slots: LogRoundSlots): Promise<boolean>;
  /** After the last handler: persists the checkpoints and gives up the leases, so another instance goes on. */
  release(): Promise<void>;
}

/**
 * A consumer's reading of the logs it has checkpoints on (ADR 0040), one round at a time inside the
 * subscriber's loop. Each round is one statement for every checkpoint (advance, renew, take) and one read
 * per log with free slots; only the lease holder reads, so instances of one consumer never read the same
 * rows side by side.
 */
export function createLogReader(opts: LogReaderOptions): LogReader {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const consumer = opts.subscription.name;
  const regexes = opts.subscription.eventTypes.map(topicRegex);
  const cursors = new Map<string, LogCursor>();

  const lease = async (release: boolean) => {
    const now = Date.now();
    const advances = [...cursors.values()].map((c) => {
      advance(c, now, opts.pollMs);
      return { source: c.source, position: c.checkpoint, rewind: c.rewind };
    });
    const held = await leaseCheckpoints(opts.pool, opts.schema, {
      consumer,
      holder,
      leaseMs: opts.leaseMs,
      advances,
      release,
    });
    const kept = new Set(held.map((r) => r.source));
    for (const source of cursors.keys()) {
      if (!kept.has(source) && !release) opts.log?.warn({ source }, 'log lease lost to another instance');
      if (!kept.has(source)) cursors.delete(source);
    }
    if (release) return;
    for (const row of held) {
      const cursor = cursors.get(row.source);
      if (!cursor) {
        cursors.set(row.source, openCursor(row));
      } else if (cursor.rewind) {
        cursor.checkpoint = row.position;
        cursor.readTo = row.position;
        restartPass(cursor, row);
      }
    }
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

  return {
    async round(slots) {
      try {
        await lease(false);
      } catch (err) {
        opts.log?.warn({ err }, 'log checkpoints could not be renewed');
        return false;
      }
      let free = slots.free;
      let more = false;
      for (const cursor of cursors.values()) {
        const after = readsFrom(cursor, Date.now());
        if (free <= 0 || after === undefined) continue;
        let read: Awaited<ReturnType<typeof readLog>>;
        try {
          read = await readLog(opts.pool, opts.schema, {
            consumer,
            holder,
            source: cursor.source,
            after,
            regexes,
            limit: free,
          });
        } catch (err) {
          opts.log?.warn({ err, source: cursor.source }, 'log read failed');
          continue;
        }
        if (!read.held) {
          cursors.delete(cursor.source);
          continue;
        }
        recordRead(
          cursor,
          read.rows.map((r) => r.position),
          read.end,
          free,
        );
        for (const row of read.rows) slots.start(() => handle(cursor, row, slots));
        if (read.rows.length === free) more = true;
        free -= read.rows.length;
      }
      return more;
    },

    async release() {
      await lease(true);
    },
  };
}
