import type { Clock, Logger } from '@strongbox/kernel';
import { type PeriodicJob, type Pool, schedulePeriodicJob } from '@strongbox/postgres';
import { purgeInbox } from '@strongbox/postgres/inbox';

/**
 * How long a consumer remembers an event it handled. At least the outbox's retention of published events
 * (OUTBOX_RETENTION_MS in relay.ts), so that an event an operator publishes again from the outbox is still
 * recognised; far beyond any redelivery by a transport (leases of a minute, broker redeliveries).
 */
export const INBOX_RETENTION_MS = 8 * 24 * 60 * 60 * 1_000;
/** Once a minute, on one instance at a time. */
export const INBOX_PURGE_SCHEDULE = '23 * * * * *';

/**
 * Forgets a consumer's handled events once they are past their retention: the inbox would otherwise grow
 * by a row per event for ever.
 */
export function scheduleInboxPurge(opts: {
  consumer: string;
  pool: Pool;
  clock: Clock;
  log: Logger;
}): PeriodicJob {
  return schedulePeriodicJob({
    name: `inbox-purge:${opts.consumer}`,
    pattern: INBOX_PURGE_SCHEDULE,
    pool: opts.pool,
    run: async (tx) => {
      const cutoff = new Date(opts.clock.now().getTime() - INBOX_RETENTION_MS);
      const purged = await purgeInbox(tx, opts.consumer, cutoff);
      if (purged > 0) opts.log.info({ purged }, 'handled events forgotten after their retention');
    },
    onError: (err) => opts.log.warn({ err }, 'inbox purge failed; it runs again next minute'),
  });
}
