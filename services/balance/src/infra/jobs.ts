import type { Logger } from '@strongbox/http';
import type { Clock } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';
import { deleteExpiredIdempotent, IDEMPOTENCY_CLEANUP_BATCH_MAX } from '@strongbox/postgres/idempotency';
import type { PeriodicJobSpec } from '@strongbox/service';
import type { LedgerEngine } from './ledger-engine.ts';
import { dueTransferIds } from './ledger-sql.ts';

/** Pending transfers expired per sweep; a sweep runs every second, so this bounds ~1,000/s per cluster. */
export const EXPIRY_SWEEP_MAX = 1_000;
/** At most this many cleanup statements per run, so one run never holds its transaction for long. */
export const CLEANUP_ROUNDS_MAX = 20;
export const EXPIRY_SWEEP_SCHEDULE = '* * * * * *';
export const IDEMPOTENCY_CLEANUP_SCHEDULE = '0 */10 * * * *';

/**
 * Expires pending transfers past their deadline through the group commit, which re-checks each under its
 * locks, so a transfer posted or voided meanwhile is left alone and none expires twice.
 */
export async function expireDue(db: Queryable, engine: LedgerEngine, clock: Clock): Promise<number> {
  const ids = await dueTransferIds(db, clock.now(), EXPIRY_SWEEP_MAX);
  if (ids.length === 0) return 0;
  let expired = 0;
  await engine.submit({
    commands: ids.map((transferId) => ({ kind: 'expire', transferId })),
    atomic: false,
    idempotency: null,
    traceId: null,
    render: (outcomes) => {
      expired = outcomes.filter((o) => o.ok).length;
      return { status: 200, body: '{}' };
    },
  });
  return expired;
}

/** Deletes idempotency keys past their 24 hours, in bounded rounds. */
export async function cleanUpIdempotencyKeys(db: Queryable, clock: Clock): Promise<number> {
  let deleted = 0;
  for (let round = 0; round < CLEANUP_ROUNDS_MAX; round++) {
    const n = await deleteExpiredIdempotent(db, clock.now(), IDEMPOTENCY_CLEANUP_BATCH_MAX);
    deleted += n;
    if (n < IDEMPOTENCY_CLEANUP_BATCH_MAX) break;
  }
  return deleted;
}

/**
 * The periodic jobs, scheduled by the service kit: every instance ticks, one at a time does the work (a
 * transaction-level advisory lock per job). Correctness never depends on that: both jobs are safe to run
 * twice.
 */
export function balanceJobs(deps: { engine: LedgerEngine; clock: Clock; logger: Logger }): PeriodicJobSpec[] {
  const { engine, clock, logger } = deps;
  const job = (name: string, pattern: string, run: (tx: Queryable) => Promise<number>): PeriodicJobSpec => ({
    name: `balance:${name}`,
    pattern,
    run: async (tx) => {
      const n = await run(tx);
      if (n > 0) logger.info({ job: name, count: n }, 'job done');
    },
    onError: (err) => logger.warn({ err, job: name }, 'job failed'),
  });
  return [
    job('expire-pending', EXPIRY_SWEEP_SCHEDULE, (tx) => expireDue(tx, engine, clock)),
    job('idempotency-cleanup', IDEMPOTENCY_CLEANUP_SCHEDULE, (tx) => cleanUpIdempotencyKeys(tx, clock)),
  ];
}
