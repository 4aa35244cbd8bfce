import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@strongbox/http';
import { type BackoffPolicy, backoffMs, type Clock } from '@strongbox/kernel';
import { appendOutbox, type Pool, withTransaction } from '@strongbox/postgres';
import { decideAfterStep, type ProcessingRecord, type StepResult } from '../domain/processing.ts';
import { processedEvent, startedEvent } from './events.ts';
import { claimDue, finishAttempt } from './records-sql.ts';
import { type SlotHold, slotLedger } from './worker-slots.ts';

/** Retries of a transient failure wait this (full jitter); after ATTEMPTS_MAX attempts the record fails. */
export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 10_000 };
export const ATTEMPTS_MAX = 5;
/** The worker looks for due records this often when it was not woken. */
export const POLL_MS = 100;
/**
 * A claim holds at most this share of the free slots (rounded up) while its statement runs. Intake finds a
 * slot only if one is free, and a claim that held them all would turn every order taken in meanwhile into
 * a pending record and another claim: on a loaded machine a claim's transaction takes long enough that a
 * poll every 100 ms did that to a fifth of the orders. A claim that fills all it held is followed by
 * another at once, so a backlog is still taken at full concurrency, in a few claims.
 */
export const CLAIM_SHARE_OF_FREE_SLOTS = 0.5;

/** The processing step itself: pluggable; the default is the simulated fulfilment. */
export type ProcessingStep = (record: ProcessingRecord, attempt: number) => Promise<StepResult>;

/** How an attempt came to run: claimed as its order was received, or by the worker's own claim. */
export type StartedVia = 'intake' | 'claim';

export interface Worker {
  /** New work arrived that nobody holds: look now instead of at the next poll. */
  wake(): void;
  /**
   * Holds a free slot for a record that intake claims in its own transaction (ADR 0044); undefined when
   * every slot is taken, or the worker stops (the record is then left pending for a claim).
   */
  reserve(): Reservation | undefined;
  /** Slots running an attempt or held (by a claim in flight or an intake transaction): a gauge's figure. */
  busySlots(): number;
  stop(): Promise<void>;
}

/** A slot held for one record claimed at intake; the first of its two calls counts, any later one is a no-op. */
export interface Reservation {
  /** The claim committed: run the record's attempt in the slot. */
  run(record: ProcessingRecord): void;
  /** The claim did not commit, or the order had a record already: the slot is free again. */
  release(): void;
}

/**
 * Runs the processing step for due records, up to `concurrency` at once. A claimed record holds a lease;
 * if this process dies mid-step, the lease ends and any worker takes it over as the next attempt, so an
 * order is never lost, and a late finish by the old attempt is discarded (finishAttempt). A record comes
 * to it claimed already from intake (`reserve`, ADR 0044), or from its own claim of due records: those
 * left pending when no slot was free, retries whose time has come, and records whose lease ended.
 */
export function startWorker(deps: {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  step: ProcessingStep;
  concurrency: number;
  leaseMs: number;
  random?: () => number;
  /** Counts each attempt started, by how it came to run. */
  onStarted?: (via: StartedVia) => void;
  /** How often it looks for due records unwoken; default POLL_MS. */
  pollMs?: number;
}): Worker {
  const { pool, clock, logger } = deps;
  const random = deps.random ?? Math.random;
  const slots = slotLedger(deps.concurrency);
  const inHand = new Set<Promise<void>>();
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  // Whether records may be due that no attempt holds, so that a claim could find some: at start, after a
  // wake (intake left a record pending), after a claim that filled every slot it asked for, and at each
  // poll (retries and ended leases are only found by looking). Otherwise a freed slot claims nothing.
  let due = true;

  const attempt = async (r: ProcessingRecord) => {
    const log = logger.child({ orderId: r.orderId, traceId: r.traceId, attempt: r.attempts });
    let result: StepResult;
    try {
      result = await deps.step(r, r.attempts);
    } catch (err) {
      result = { kind: 'transient', error: (err as Error).message };
    }
    const after = decideAfterStep(r.attempts, result, {
      attemptsMax: ATTEMPTS_MAX,
      retryInMs: backoffMs(r.attempts, RETRY_BACKOFF, random),
    });
    const now = clock.now();
    const recorded = await finishAttempt(
      pool,
      r.id,
      r.attempts,
      {
        status: after.status,
        error: after.status === 'completed' ? null : after.error,
        retryAt: after.status === 'pending' ? new Date(now.getTime() + after.retryInMs) : null,
      },
      now,
      after.status === 'pending' ? undefined : processedEvent(r, after, clock),
    );
    if (!recorded) {
      log.warn('attempt was taken over by another worker; its result is discarded');
      return;
    }
    if (after.status === 'pending')
      log.warn({ error: after.error, retryInMs: after.retryInMs }, 'processing will be retried');
    else
      log.info(
        { status: after.status, ...(after.status === 'failed' ? { error: after.error } : {}) },
        `processing ${after.status}`,
      );
  };

  /** Runs the record's attempt in the slot its hold started; the slot is free again once it has ended. */
  const runIn = (hold: SlotHold, r: ProcessingRecord, via: StartedVia) => {
    deps.onStarted?.(via);
    const p: Promise<void> = attempt(r)
      .catch((err) => logger.error({ err, orderId: r.orderId }, 'processing attempt failed to record'))
      .finally(() => {
        hold.finish();
        inHand.delete(p);
        if (due) wakeUp?.();
      });
    inHand.add(p);
  };

  /** Claims due records for a share of the free slots, each slot held while the claim runs. */
  const claim = async (): Promise<boolean> => {
    const holds: SlotHold[] = [];
    const wanted = Math.ceil(slots.free() * CLAIM_SHARE_OF_FREE_SLOTS);
    for (let i = 0; i < wanted; i++) {
      const hold = slots.hold();
      if (!hold) break;
      holds.push(hold);
    }
    let claimed: ProcessingRecord[] = [];
    try {
      const now = clock.now();
      claimed = await withTransaction(pool, async (tx) => {
        const rows = await claimDue(tx, now, new Date(now.getTime() + deps.leaseMs), holds.length);
        await appendOutbox(
          tx,
          rows.filter((r) => r.first).map((r) => startedEvent(r, clock)),
        );
        return rows;
      });
    } catch (err) {
      logger.error({ err }, 'claiming processing records failed');
    }
    holds.forEach((hold, i) => {
      const r = claimed[i];
      if (r && hold.start()) runIn(hold, r, 'claim');
      else hold.release();
    });
    return claimed.length === holds.length;
  };

  const loop = async () => {
    while (!stopping) {
      if (due && slots.free() > 0) {
        // Cleared before the claim: a wake while it runs (a record it may not see) sets it again.
        due = false;
        if (await claim()) due = true;
        if (due) continue;
      }
      const polled = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), deps.pollMs ?? POLL_MS);
        wakeUp = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      wakeUp = undefined;
      if (polled) due = true;
    }
  };
  const done = loop();
  return {
    wake() {
      due = true;
      wakeUp?.();
    },
    reserve() {
      if (stopping) return undefined;
      const hold = slots.hold();
      if (!hold) return undefined;
      return {
        run(record) {
          // Stopping: the record stays claimed until its lease ends, then any worker takes it over.
          if (stopping) hold.release();
          else if (hold.start()) runIn(hold, record, 'intake');
        },
        release() {
          hold.release();
        },
      };
    },
    busySlots: () => slots.concurrency - slots.free(),
    async stop() {
      stopping = true;
      wakeUp?.();
      await done;
      await Promise.allSettled([...inHand]);
    },
  };
}

/** A stalled attempt (see FulfilmentRules.stallDescriptions) gives up after this if the worker never stops. */
export const STALL_MAX_MS = 10 * 60_000;

/**
 * The default step: waits the configured duration, then answers what the rules say. An attempt that
 * `stall` names waits instead until the worker stops (or STALL_MAX_MS), so that a test can kill the
 * process while the step is certainly in hand; the lease then hands the record to the next attempt.
 */
export function simulatedStep(
  durationMs: number,
  decide: (r: ProcessingRecord, attempt: number) => StepResult,
  stall?: { stalls(r: ProcessingRecord, attempt: number): boolean; readonly stopped: AbortSignal },
): ProcessingStep {
  return async (r, attempt) => {
    if (stall?.stalls(r, attempt)) {
      await sleep(STALL_MAX_MS, undefined, { signal: stall.stopped }).catch(() => undefined);
      return { kind: 'transient', error: 'the attempt stalled on purpose (PROCESSOR_STALL_DESCRIPTIONS)' };
    }
    if (durationMs > 0) await sleep(durationMs);
    return decide(r, attempt);
  };
}
