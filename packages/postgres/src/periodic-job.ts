import { Cron } from 'croner';
import type pg from 'pg';
import { withTransaction } from './tx.ts';

/**
 * A job that runs on a cron schedule on every instance but does its work on one at a time: each run takes
 * a transaction-level advisory lock named after the job and skips if another instance holds it. The work
 * runs in that transaction, so a crash half-way leaves nothing half-done.
 *
 * @example
 * const job = schedulePeriodicJob({ name: 'identity:prune', pattern: '*\/10 * * * *', pool, run: (tx) => prune(tx), onError });
 */
export interface PeriodicJob {
  /** Runs once now (on this instance, if the lock is free); answers whether it ran. Used by tests and CLIs. */
  runNow(): Promise<boolean>;
  stop(): void;
}

export function schedulePeriodicJob(opts: {
  name: string;
  /** Cron pattern with seconds allowed, e.g. `0 *\/5 * * * *`. */
  pattern: string;
  pool: pg.Pool;
  run: (tx: pg.PoolClient) => Promise<void>;
  onError: (err: unknown) => void;
}): PeriodicJob {
  const runNow = async () =>
    await withTransaction(opts.pool, async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>(
        'select pg_try_advisory_xact_lock(hashtext($1)) as locked',
        [`strongbox:job:${opts.name}`],
      );
      if (!rows[0]?.locked) return false;
      await opts.run(tx);
      return true;
    });
  // protect: a slow run is never overlapped by the next tick on the same instance; unref: a pending tick
  // never keeps a stopping process alive.
  const cron = new Cron(opts.pattern, { protect: true, unref: true }, async () => {
    try {
      await runNow();
    } catch (err) {
      opts.onError(err);
    }
  });
  return { runNow, stop: () => cron.stop() };
}
