import { type Logger, sleep } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import { createLogReader, type LogReader } from './postgres-log-reader.ts';
import { ackAndClaim, type Claimed, postpone } from './postgres-queue.ts';
import type { Subscription, SubscriptionHandlers } from './transport.ts';
import { createWakeup, type Wakeup } from './wakeup.ts';

/** A retry timer never sleeps longer than this; the poll picks up anything later. */
const RETRY_WAKE_MAX_MS = 60_000;

export interface PgSubscriberOptions {
  pool: Pool;
  /** Quoted schema name. */
  schema: string;
  subscription: Subscription;
  handlers: SubscriptionHandlers;
  leaseMs: number;
  pollMs: number;
  logger?: Logger;
}

/** What one consumer's loop holds between rounds. */
interface LoopState {
  readonly opts: PgSubscriberOptions;
  readonly log: Logger | undefined;
  readonly stopping: AbortController;
  readonly wakeup: Wakeup;
  readonly inFlight: Set<Promise<void>>;
  readonly logs: LogReader;
  /** Rows handled and acknowledged since the last round; the next round deletes them. */
  acked: string[];
  /**
   * Deliveries may be waiting: set by a deliveries notification, a retry coming due, a full claim. Without
   * it (and without acks) a round claims only once per poll interval, the fallback for a lost
   * notification or an expired lease, so a consumer busy with a log does not query empty deliveries.
   */
  deliveriesHint: boolean;
  /** When the last claim ran (ms since the epoch). */
  claimedAt: number;
  /** A log notification came since the last round: a consumer that reads no log yet looks for one. */
  logsHint: boolean;
}

/**
 * One consumer's loop on the PostgreSQL transport. Each round is one statement that deletes the rows
 * acknowledged since the last round and claims as many new ones as there are free slots, then the logs'
 * round (postgres-log-reader.ts: checkpoints, leases and reads of the sources whose archive is a log,
 * ADR 0040) in the slots still free; handlers run concurrently and hand their acks back to the loop.
 * Under load many acks share one statement (and one commit); when idle, a finished handler wakes the
 * loop so its ack is not held back. The loop sleeps until a notification, a finished handler, a retry
 * coming due, or the poll interval.
 */
export function startPgSubscriber(opts: PgSubscriberOptions): {
  wake(): void;
  wakeDeliveries(): void;
  /** This instance's patterns from the next log round on (ADR 0046). */
  setEventTypes(eventTypes: readonly string[]): void;
  stop(): Promise<void>;
} {
  const log = opts.logger?.child({ consumer: opts.subscription.name, transport: 'postgres' });
  const state: LoopState = {
    opts,
    log,
    stopping: new AbortController(),
    wakeup: createWakeup(),
    inFlight: new Set(),
    logs: createLogReader({
      pool: opts.pool,
      schema: opts.schema,
      subscription: opts.subscription,
      handlers: opts.handlers,
      leaseMs: opts.leaseMs,
      pollMs: opts.pollMs,
      log,
    }),
    acked: [],
    deliveriesHint: true,
    claimedAt: 0,
    logsHint: true,
  };
  const loop = (async () => {
    while (!state.stopping.signal.aborted) {
      if (await round(state)) continue;
      await state.wakeup.wait(opts.pollMs, state.stopping.signal);
    }
    await Promise.allSettled(state.inFlight);
    if (state.acked.length > 0)
      await claim(state, state.acked, 0).catch((err) => state.log?.warn({ err }, 'final acks failed'));
    await state.logs.release().catch((err) => state.log?.warn({ err }, 'final checkpoints failed'));
  })();

  return {
    wake: () => {
      state.logsHint = true;
      state.wakeup.wake();
    },
    wakeDeliveries: () => wakeDeliveries(state),
    setEventTypes: (eventTypes) => state.logs.setEventTypes(eventTypes),
    async stop() {
      state.stopping.abort();
      await loop;
    },
  };
}

function claim(state: LoopState, acks: readonly string[], limit: number): Promise<Claimed[]> {
  const { pool, schema, subscription, leaseMs } = state.opts;
  return ackAndClaim(pool, schema, { consumer: subscription.name, acks, limit, leaseMs });
}

/** One round: the deliveries, then the logs in the slots left; true when either filled its slots. */
async function round(state: LoopState): Promise<boolean> {
  const more = await deliveriesRound(state);
  // Taken before the round: a notification that arrives while it runs sets the hint again.
  const notified = state.logsHint;
  state.logsHint = false;
  const moreLog = await state.logs.round({
    free: state.opts.subscription.concurrency - state.inFlight.size,
    notified,
    start: (run) => track(state, run()),
    wakeAfter: (ms) => wakeAfter(state, ms),
  });
  return (more || moreLog) && state.inFlight.size < state.opts.subscription.concurrency;
}

function track(state: LoopState, running: Promise<void>): void {
  const p: Promise<void> = running.finally(() => {
    state.inFlight.delete(p);
    state.wakeup.wake();
  });
  state.inFlight.add(p);
}

function wakeDeliveries(state: LoopState): void {
  state.deliveriesHint = true;
  state.wakeup.wake();
}

/** A retry's delivery comes due after `ms`. */
function wakeAfter(state: LoopState, ms: number): void {
  const timer = setTimeout(() => wakeDeliveries(state), Math.min(ms, RETRY_WAKE_MAX_MS));
  timer.unref();
}

/** Hands back the acks, claims rows for the free slots and starts their handlers. */
async function deliveriesRound(state: LoopState): Promise<boolean> {
  const { concurrency } = state.opts.subscription;
  const free = concurrency - state.inFlight.size;
  if (free <= 0 && state.acked.length === 0) return false;
  const quiet = !state.deliveriesHint && Date.now() - state.claimedAt < state.opts.pollMs;
  if (quiet && state.acked.length === 0) return false;
  const acks = state.acked;
  state.acked = [];
  // Taken before the claim: a notification that arrives while it runs sets the hint again.
  const hinted = state.deliveriesHint;
  if (free > 0) state.deliveriesHint = false;
  let rows: Claimed[];
  try {
    rows = await claim(state, acks, Math.max(0, free));
  } catch (err) {
    state.deliveriesHint ||= hinted;
    state.acked.push(...acks);
    state.log?.warn({ err }, 'claim failed');
    await sleep(state.opts.pollMs, state.stopping.signal);
    return false;
  }
  state.claimedAt = Date.now();
  if (free > 0 && rows.length === free) state.deliveriesHint = true;
  for (const row of rows) track(state, handle(state, row));
  // A full claim suggests more rows are waiting: go again at once if a slot is still free.
  return free > 0 && rows.length === free && state.inFlight.size < concurrency;
}

async function handle(state: LoopState, row: Claimed): Promise<void> {
  const { pool, schema, handlers } = state.opts;
  try {
    const disposition = await handlers.onMessage({ body: row.envelope, attempt: row.claims });
    if (disposition.kind === 'ack') {
      state.acked.push(row.id);
      return;
    }
    await postpone(pool, schema, row.id, disposition.delayMs);
    wakeAfter(state, disposition.delayMs);
  } catch (err) {
    // No outcome: the claim stays until its lease expires and the row is delivered again, which is
    // exactly what happens when the process dies here.
    state.log?.warn({ err, deliveryId: row.id }, 'delivery left to its lease');
  }
}
