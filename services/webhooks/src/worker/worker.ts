import { setTimeout as sleep } from 'node:timers/promises';
import { withTransaction } from '@strongbox/postgres';
import { type ClaimedDelivery, claimDue } from '../infra/attempts.ts';
import { type AttemptDeps, attemptDelivery } from './attempt.ts';

/** Attempts one instance runs at once; more instances add more. */
export const CONCURRENCY_MAX = 16;
/** Deliveries claimed per statement. */
export const CLAIM_BATCH_MAX = 50;
/** One run stops after this many attempts so the loop gets to check for shutdown. */
export const RUN_ATTEMPTS_MAX = 1_000;
/** How often an idle worker looks for due deliveries. */
export const POLL_INTERVAL_MS = 1_000;
/** After failed runs (the database is down) the worker waits longer each time, up to this. */
export const FAILURE_BACKOFF_MAX_MS = 30_000;
/** A claimed delivery is due again this long after its attempt's deadline, should its worker die. */
export const LEASE_MARGIN_MS = 60_000;

export interface DeliveryWorker {
  /** Attempts every delivery due now (bounded by RUN_ATTEMPTS_MAX) and answers how many it attempted. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  readonly concurrencyMax?: number;
  readonly pollIntervalMs?: number;
}

/**
 * Pulls due deliveries and attempts them, at most `concurrencyMax` at a time: free slots are refilled
 * with fresh claims as attempts finish, so one slow endpoint does not hold up the others. Several
 * instances may run; claims skip each other's rows.
 */
export function createDeliveryWorker(deps: AttemptDeps, opts: WorkerOptions = {}): DeliveryWorker {
  const concurrencyMax = opts.concurrencyMax ?? CONCURRENCY_MAX;
  const pollIntervalMs = opts.pollIntervalMs ?? POLL_INTERVAL_MS;
  let loop: Promise<void> | undefined;
  const stopping = new AbortController();

  async function runOnce(): Promise<number> {
    const inFlight = new Set<Promise<void>>();
    let started = 0;
    let drained = false;
    let claimError: unknown;
    while (!drained || inFlight.size > 0) {
      const free = Math.min(concurrencyMax - inFlight.size, CLAIM_BATCH_MAX, RUN_ATTEMPTS_MAX - started);
      if (!drained && free > 0 && !stopping.signal.aborted) {
        const now = deps.clock.now();
        const leaseUntil = new Date(now.getTime() + deps.timeoutMs + LEASE_MARGIN_MS);
        let claimed: ClaimedDelivery[] = [];
        try {
          claimed = await withTransaction(deps.pool, (tx) =>
            claimDue(tx, now, leaseUntil, free, deps.secrets),
          );
        } catch (err) {
          // Attempts already running are still recorded before the failure is reported.
          claimError = err;
        }
        if (claimed.length < free) drained = true;
        for (const c of claimed) {
          started += 1;
          const p: Promise<void> = attemptDelivery(deps, c)
            .then(() => undefined)
            .catch((err: unknown) => {
              // The claim's lease makes the delivery due again; nothing is lost.
              deps.logger.error({ err, deliveryId: c.id }, 'webhook attempt could not be recorded');
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        if (started >= RUN_ATTEMPTS_MAX || stopping.signal.aborted) drained = true;
        if (claimed.length > 0 && inFlight.size < concurrencyMax && !drained) continue;
      } else if (stopping.signal.aborted) {
        drained = true;
      }
      if (inFlight.size > 0) await Promise.race(inFlight);
    }
    if (claimError !== undefined) throw claimError;
    return started;
  }

  return {
    runOnce,
    start() {
      if (loop) return;
      loop = (async () => {
        let failures = 0;
        while (!stopping.signal.aborted) {
          let attempted = 0;
          try {
            attempted = await runOnce();
            failures = 0;
          } catch (err) {
            failures += 1;
            deps.logger.error({ err, failures }, 'webhook worker run failed');
          }
          const waitMs =
            failures > 0
              ? Math.min(FAILURE_BACKOFF_MAX_MS, pollIntervalMs * 2 ** Math.min(failures, 16))
              : pollIntervalMs;
          if (attempted === 0)
            await sleep(waitMs, undefined, { signal: stopping.signal }).catch(() => undefined);
        }
      })();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
