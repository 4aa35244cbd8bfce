/**
 * Starts balance alone, as a container would: `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment and opens sockets.
 */
import { createLogger, jwtVerifier, loadDevelopmentEnv, remoteKeys, serve } from '@strongbox/http';
import { ConfigError, systemClock } from '@strongbox/kernel';
import { createMessagingMetrics, postgresTransport, rabbitTransport, startRelay } from '@strongbox/messaging';
import { createPool, migrate, POSTGRES_MODULES } from '@strongbox/postgres';
import { buildApp, MIGRATIONS_DIR, SERVICE } from './app.ts';
import { balanceConfig } from './config.ts';
import { scheduleJobs } from './infra/jobs.ts';

loadDevelopmentEnv();

let config: ReturnType<typeof balanceConfig>;
try {
  config = balanceConfig(process.env);
  if (!config.DATABASE_URL)
    throw new ConfigError('DATABASE_URL', 'a URL (postgres: or postgresql:)', undefined);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`${SERVICE}: ${err.message}`);
  process.exit(1);
}

const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const pool = createPool({
  url: config.DATABASE_URL,
  schema: SERVICE,
  sizeMax: config.DATABASE_POOL_MAX,
  onError: (err) => logger.error({ err }, 'idle database connection failed'),
});
try {
  const { applied } = await migrate(pool, {
    schema: SERVICE,
    dir: MIGRATIONS_DIR,
    modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.idempotency],
  });
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
} catch (err) {
  console.error(`${SERVICE}: ${(err as Error).message}`);
  await pool.end();
  process.exit(1);
}
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
const transport = config.AMQP_URL
  ? rabbitTransport({ url: config.AMQP_URL, connectionName: `strongbox-balance-${process.pid}`, logger })
  : postgresTransport({ pool, logger });
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
