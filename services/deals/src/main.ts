/**
 * Starts the deals service alone, as a container would: the HTTP API, the relay of its outbox, and the
 * bank's worker and jobs (bank-parts.ts).
 * `DATABASE_URL` is required here (npm start passes the embedded server's). This is the only file that
 * reads the environment; the service kit opens the sockets.
 */
import { createBankClient } from '@strongbox/bank-client';
import { runService } from '@strongbox/service';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { dealsConfig, platformProfileOf } from './config.ts';
import { bankClientMetrics } from './infra/bank-client-metrics.ts';

const bankMetrics = bankClientMetrics();

await runService({
  service: SERVICE,
  config: dealsConfig,
  port: (c) => c.DEALS_PORT,
  database: MIGRATIONS,
  events: { relay: true },
  verifier: 'identity',
  build: ({ config, ...kit }) =>
    buildApp({
      ...kit,
      notificationSecrets: config.BANK_NOTIFICATION_SECRET,
      releaseSchedule: config.DEALS_RELEASE_SCHEDULE,
      platform: platformProfileOf(config),
      identity: {
        identityUrl: config.IDENTITY_URL,
        clientId: config.DEALS_CLIENT_ID,
        clientSecret: config.DEALS_CLIENT_SECRET,
      },
      ledger: {
        balanceUrl: config.BALANCE_URL,
        identityUrl: config.IDENTITY_URL,
        clientId: config.DEALS_CLIENT_ID,
        clientSecret: config.DEALS_CLIENT_SECRET,
      },
      bank: {
        client: createBankClient({
          baseUrl: config.BANK_URL,
          token: config.BANK_API_TOKEN,
          timeoutMs: config.BANK_TIMEOUT_MS,
          rateLimitPerS: config.BANK_CLIENT_RATE_LIMIT_PER_S,
          onEvent: (e) => {
            bankMetrics.onEvent(e);
            kit.logger.debug({ bank: e }, 'bank client event');
          },
        }),
        clientMetrics: bankMetrics,
        nominalAccount: config.BANK_NOMINAL_ACCOUNT,
        payee: {
          bik: config.BANK_NOMINAL_BIK ?? null,
          bankName: config.BANK_NAME ?? null,
          payeeName: config.DEALS_PAYEE_NAME ?? null,
          payeeInn: config.DEALS_PAYEE_INN ?? null,
        },
        tasksPollMs: config.DEALS_BANK_TASKS_POLL_MS,
        jobsSchedule: config.DEALS_BANK_JOBS_SCHEDULE,
        retryCapMs: config.DEALS_BANK_RETRY_CAP_MS,
        reconcile: {
          intervalMs: config.DEALS_RECONCILE_INTERVAL_MS,
          afterMs: config.DEALS_RECONCILE_AFTER_MS,
          batchMax: config.DEALS_RECONCILE_BATCH_MAX,
          paceMs: 1_000 / config.BANK_CLIENT_RATE_LIMIT_PER_S,
        },
      },
    }),
});
