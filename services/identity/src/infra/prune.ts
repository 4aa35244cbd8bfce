import type { Logger } from '@strongbox/http';
import type { Clock } from '@strongbox/kernel';
import type { PoolClient } from '@strongbox/postgres';
import type { PeriodicJobSpec } from '@strongbox/service';
import { THROTTLE_WINDOW_MS } from '../domain/throttle.ts';

/** Rows removed per table per run, so one run never holds its transaction for long. */
export const PRUNE_BATCH_MAX = 10_000;
/** Every ten minutes; on one instance at a time. */
export const PRUNE_SCHEDULE = '0 */10 * * * *';

/**
 * Removes what can no longer matter: refresh tokens past their expiry (an expired token is refused
 * whether or not its row exists) and login failures older than the throttling window.
 */
export async function pruneIdentity(
  tx: PoolClient,
  now: Date,
): Promise<{ tokens: number; failures: number }> {
  const tokens = await tx.query(
    `delete from refresh_tokens where id in (
       select id from refresh_tokens where expires_at < $1 limit $2)`,
    [now, PRUNE_BATCH_MAX],
  );
  const failures = await tx.query(
    `delete from login_failures where id in (
       select id from login_failures where at < $1 limit $2)`,
    [new Date(now.getTime() - THROTTLE_WINDOW_MS), PRUNE_BATCH_MAX],
  );
  return { tokens: tokens.rowCount ?? 0, failures: failures.rowCount ?? 0 };
}

/** The periodic prune, as the service kit schedules it. */
export function pruneJob(clock: Clock, logger: Logger): PeriodicJobSpec {
  return {
    name: 'identity:prune',
    pattern: PRUNE_SCHEDULE,
    run: async (tx) => {
      const removed = await pruneIdentity(tx, clock.now());
      if (removed.tokens + removed.failures > 0)
        logger.info(removed, 'pruned expired tokens and login failures');
    },
    onError: (err) => logger.error({ err }, 'identity prune failed'),
  };
}
