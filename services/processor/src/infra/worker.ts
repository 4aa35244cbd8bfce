import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@strongbox/http';
import { type BackoffPolicy, backoffMs, type Clock } from '@strongbox/kernel';
import { appendOutbox, type Pool, withTransaction } from '@strongbox/postgres';
import { decideAfterStep, type ProcessingRecord, type StepResult } from '../domain/processing.ts';
import { processedEvent, startedEvent } from './events.ts';
import { claimDue, finishAttempt } from './records-sql.ts';

/** Retries of a transient failure wait this (full jitter); after ATTEMPTS_MAX attempts the record fails. */
export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 10_000 };
export const ATTEMPTS_MAX = 5;
/** The worker looks for due records this often when it was not woken. */
export const POLL_MS = 100;

/** The processing step itself: pluggable; the default is the simulated fulfilment. */
export type ProcessingStep = (record: ProcessingRecord, attempt: number) => Promise<StepResult>;

export interface Worker {
  /** New work arrived: look now instead of at the next poll. */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Runs the processing step for due records, up to `concurrency` at once. A claimed record holds a lease;
 * if this process dies mid-step, the lease ends and any worker takes it over as the next attempt, so an
 * order is never lost, and a late finish by the old attempt is discarded (finishAttempt).
 */
export function startWorker(deps: {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  step: ProcessingStep;
  concurrency: number;
  leaseMs: number;
  random?: () => number;
}): Worker {
  const { pool, clock, logger } = deps;
  const random = deps.random ?? Math.random;
  const inHand = new Set<Promise<void>>();
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const run = async (r: ProcessingRecord & { first: boolean }) => {
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
    await withTransaction(pool, async (tx) => {
      const recorded = await finishAttempt(
        tx,
        r.id,
        r.attempts,
        {
          status: after.status,
          error: after.status === 'completed' ? null : after.error,
          retryAt: after.status === 'pending' ? new Date(now.getTime() + after.retryInMs) : null,
        },
        now,
      );
      if (!recorded) {
        log.warn('attempt was taken over by another worker; its result is discarded');
        return;
      }
      if (after.status !== 'pending') await appendOutbox(tx, [processedEvent(r, after, clock)]);
    });
    if (after.status === 'pending')
      log.warn({ error: after.error, retryInMs: after.retryInMs }, 'processing will be retried');
    else
      log.info(
        { status: after.status, ...(after.status === 'failed' ? { error: after.error } : {}) },
        `processing ${after.status}`,
      );
  };

  const loop = async () => {
    while (!stopping) {
      const free = deps.concurrency - inHand.size;
      let claimed: Array<ProcessingRecord & { first: boolean }> = [];
      if (free > 0) {
        try {
          const now = clock.now();
          claimed = await withTransaction(pool, async (tx) => {
            const rows = await claimDue(tx, now, new Date(now.getTime() + deps.leaseMs), free);
            const starts = rows.filter((r) => r.first).map((r) => startedEvent(r, clock));
            await appendOutbox(tx, starts);
            return rows;
          });
        } catch (err) {
          logger.error({ err }, 'claiming processing records failed');
        }
      }
      for (const r of claimed) {
        const p: Promise<void> = run(r)
          .catch((err) => logger.error({ err, orderId: r.orderId }, 'processing attempt failed to record'))
          .finally(() => {
            inHand.delete(p);
            wakeUp?.();
          });
        inHand.add(p);
      }
      if (claimed.length > 0 && claimed.length === free) continue;
      if (woken) {
        woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  };
  const done = loop();
  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
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
