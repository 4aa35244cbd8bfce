/**
 * Starts balance alone, as a container would: `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment; the service kit opens the sockets.
 * app.close() drains the group commit's queue before the jobs, the relay and the pool stop.
 */
import { runService } from '@strongbox/service';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { balanceConfig } from './config.ts';

await runService({
  service: SERVICE,
  config: balanceConfig,
  port: (c) => c.BALANCE_PORT,
  database: MIGRATIONS,
  events: { relay: true },
  verifier: 'identity',
  build: ({ config, ...kit }) =>
    buildApp({
      ...kit,
      groupCommit: {
        batchSizeMax: config.BALANCE_BATCH_SIZE_MAX,
        batchWaitMs: config.BALANCE_BATCH_WAIT_MS,
        flushesInFlightMax: config.BALANCE_FLUSH_CONCURRENCY,
        queueItemsMax: config.BALANCE_QUEUE_ITEMS_MAX,
      },
      scheduleJobs: config.BALANCE_JOBS,
    }),
});
