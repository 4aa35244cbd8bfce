import type { PoolClient } from '@strongbox/postgres';

/** Finished deliveries (and their attempts) are kept this long for the API and for resends. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Deliveries deleted per run, so one run never holds its transaction for long; a backlog takes several runs. */
export const PURGE_BATCH_MAX = 5_000;
/** Every ten minutes, at second 37 (cron with seconds): runs are small and frequent rather than large. */
export const PURGE_SCHEDULE = '37 */10 * * * *';

/**
 * Deletes finished deliveries recorded before the retention period, with their attempts (foreign keys
 * cascade). Pending deliveries are never purged, however old: they are still owed to their endpoint.
 */
export async function purgeOldDeliveries(tx: PoolClient, now: Date): Promise<number> {
  const { rowCount } = await tx.query(
    `delete from deliveries where id in (
       select id from deliveries where created_at < $1 and status <> 'pending' limit $2)`,
    [new Date(now.getTime() - DELIVERY_RETENTION_MS), PURGE_BATCH_MAX],
  );
  return rowCount ?? 0;
}
