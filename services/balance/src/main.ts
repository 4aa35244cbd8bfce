/**
 * Starts balance alone, as a container would: `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment and opens sockets.
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
import { createMessagingMetrics, startRelay, transportFor } from '@strongbox/messaging';
import { openServiceDatabase, POSTGRES_MODULES, requireDatabaseUrl } from '@strongbox/postgres';
import { buildApp, MIGRATIONS_DIR, SERVICE } from './app.ts';
import { balanceConfig } from './config.ts';
import { scheduleJobs } from './infra/jobs.ts';

loadDevelopmentEnv();

const config = configOrExit(SERVICE, () => requireDatabaseUrl(balanceConfig(process.env)));

const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const pool = await orExit(
  SERVICE,
  openServiceDatabase({
    service: SERVICE,
    url: config.DATABASE_URL,
    sizeMax: config.DATABASE_POOL_MAX,
    migrations: {
      dir: MIGRATIONS_DIR,
      modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.idempotency],
    },
    log: logger,
  }),
);
const { app, engine, metricsRegistry } = await buildApp({
  pool,
  logger,
  clock: systemClock,
  verifier: jwtVerifier({
    keys: remoteKeys(config.jwksUrl),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  }),
  groupCommit: {
    batchSizeMax: config.BALANCE_BATCH_SIZE_MAX,
    batchWaitMs: config.BALANCE_BATCH_WAIT_MS,
    flushesInFlightMax: config.BALANCE_FLUSH_CONCURRENCY,
    queueItemsMax: config.BALANCE_QUEUE_ITEMS_MAX,
  },
  trustProxy: config.TRUST_PROXY.split(',').map((s) => s.trim()),
});
const jobs = config.BALANCE_JOBS ? scheduleJobs({ pool, engine, clock: systemClock, logger }) : undefined;
// The ledger's events leave through its outbox: RabbitMQ when configured, else PostgreSQL itself.
const transport = transportFor({ service: SERVICE, amqpUrl: config.AMQP_URL, pool, logger });
const relay = await startRelay({
  pool,
  schema: SERVICE,
  transport,
  logger,
  clock: systemClock,
  metrics: createMessagingMetrics(metricsRegistry),
});
// Fastify logs the listening address itself. app.close() drains the queue; then jobs, the relay (what is
// committed stays in the outbox for the next leader) and the transport stop before the pool closes.
await serve(app, {
  port: config.BALANCE_PORT,
  host: config.HOST,
  closers: [async () => jobs?.stop(), () => relay.stop(), () => transport.close(), () => pool.end()],
});
