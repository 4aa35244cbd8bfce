/**
 * Starts balance alone, as a container would: `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment and opens sockets.
 */
import { createLogger, jwtVerifier, loadDevelopmentEnv, remoteKeys, serve } from '@strongbox/http';
import { ConfigError, systemClock } from '@strongbox/kernel';
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
const { app, engine } = await buildApp({
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
// Fastify logs the listening address itself. Jobs stop before the pool closes; app.close() drains the queue.
await serve(app, {
  port: config.BALANCE_PORT,
  host: config.HOST,
  closers: [async () => jobs?.stop(), () => pool.end()],
});
