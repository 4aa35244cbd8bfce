/**
 * Starts the webhooks service alone, as a container would: the HTTP API, the event consumer, the delivery
 * worker and the retention job. `DATABASE_URL` is required here (npm start passes the embedded server's). This is the only
 * file that reads the environment and opens sockets.
 */
import {
  configOrExit,
  createLogger,
  jwtVerifier,
  loadDevelopmentEnv,
  orExit,
  remoteKeys,
  serve,
} from '@strongbox/http';
import { systemClock } from '@strongbox/kernel';
import { createMessagingMetrics, startConsumer, transportFor } from '@strongbox/messaging';
import { openServiceDatabase, requireDatabaseUrl, schedulePeriodicJob } from '@strongbox/postgres';
import { buildApp, MIGRATIONS, SERVICE, webhookMetricsFor } from './app.ts';
import { webhooksConfig } from './config.ts';
import { DELIVERY_TIMEOUT_MS } from './infra/http-sender.ts';
import { systemResolver } from './infra/target-check.ts';
import { CONSUMER_NAME, recordEvent, recordEvents, WEBHOOKS_CONSUMER_CONCURRENCY } from './record-event.ts';
import { PURGE_SCHEDULE, purgeOldDeliveries } from './retention.ts';
import { createDeliveryWorker } from './worker/worker.ts';

loadDevelopmentEnv();

const config = configOrExit(SERVICE, () => requireDatabaseUrl(webhooksConfig(process.env)));

const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const pool = await orExit(
  SERVICE,
  openServiceDatabase({
    service: SERVICE,
    url: config.DATABASE_URL,
    sizeMax: config.DATABASE_POOL_MAX,
    migrations: MIGRATIONS,
    log: logger,
  }),
);

const clock = systemClock;
const metrics = webhookMetricsFor(pool, clock);
const allow = config.WEBHOOK_ALLOWED_HOSTS;
if (allow.hosts.size > 0 || allow.networks.length > 0)
  logger.warn('WEBHOOK_ALLOWED_HOSTS is set: webhooks may reach the private targets it lists');
const transport = transportFor({ service: SERVICE, amqpUrl: config.AMQP_URL, pool, logger });
const app = await buildApp({
  pool,
  logger,
  clock,
  verifier: jwtVerifier({
    keys: remoteKeys(config.jwksUrl),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  }),
  allow,
  metrics,
  transport,
  trustProxy: config.TRUST_PROXY.split(',').map((s) => s.trim()),
});
// Every event, whatever its type; recordEvent queues it for the endpoints that select it.
const consumer = await startConsumer(
  {
    name: CONSUMER_NAME,
    eventTypes: ['#'],
    handle: async (tx, event) => {
      await recordEvent(tx, event, clock);
    },
    handleBatch: async (tx, events) => {
      await recordEvents(tx, events, clock);
    },
    // Every event of the system comes here; the prefetch is also the largest batch.
    concurrency: WEBHOOKS_CONSUMER_CONCURRENCY,
  },
  { pool, transport, logger, clock, metrics: createMessagingMetrics(metrics.registry) },
);
const worker = createDeliveryWorker(
  { pool, clock, logger, metrics, allow, resolve: systemResolver, timeoutMs: DELIVERY_TIMEOUT_MS },
  { concurrencyMax: config.WEBHOOK_CONCURRENCY },
);
const retention = schedulePeriodicJob({
  name: 'webhooks:purge',
  pattern: PURGE_SCHEDULE,
  pool,
  run: async (tx) => {
    const purged = await purgeOldDeliveries(tx, clock.now());
    if (purged > 0) logger.info({ purged }, 'old webhook deliveries purged');
  },
  onError: (err) => logger.error({ err }, 'webhook delivery purge failed'),
});
worker.start();
// Fastify logs the listening address itself. Intake stops first; the worker stops before the pool closes,
// so attempts in flight are recorded (an attempt cut short is retried when its lease ends).
await serve(app, {
  port: config.WEBHOOKS_PORT,
  host: config.HOST,
  closers: [
    () => consumer.stop(),
    async () => retention.stop(),
    () => worker.stop(),
    () => transport.close(),
    () => pool.end(),
  ],
});
