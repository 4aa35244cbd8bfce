/**
 * Starts identity alone, as a container would: `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment and opens sockets.
 */
import { createLogger, loadDevelopmentEnv, serve } from '@strongbox/http';
import { ConfigError, systemClock } from '@strongbox/kernel';
import { createPool, migrate, schedulePeriodicJob } from '@strongbox/postgres';
import { buildApp, SERVICE } from './app.ts';
import { identityConfig } from './config.ts';
import { pruneIdentity } from './infra/prune.ts';

loadDevelopmentEnv();

/** Every ten minutes; on one instance at a time. */
const PRUNE_SCHEDULE = '0 */10 * * * *';

let config: ReturnType<typeof identityConfig>;
try {
  config = identityConfig(process.env);
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
    dir: new URL('./migrations', import.meta.url).pathname,
  });
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
} catch (err) {
  console.error(`${SERVICE}: ${(err as Error).message}`);
  await pool.end();
  process.exit(1);
}
const app = await buildApp({
  pool,
  logger,
  clock: systemClock,
  issuer: config.JWT_ISSUER,
  audience: config.JWT_AUDIENCE,
  trustProxy: config.TRUST_PROXY.split(',').map((s) => s.trim()),
});
const prune = schedulePeriodicJob({
  name: 'identity:prune',
  pattern: PRUNE_SCHEDULE,
  pool,
  run: async (tx) => {
    const removed = await pruneIdentity(tx, systemClock.now());
    if (removed.tokens + removed.failures > 0)
      logger.info(removed, 'pruned expired tokens and login failures');
  },
  onError: (err) => logger.error({ err }, 'identity prune failed'),
});
// Fastify logs the listening address itself.
await serve(app, {
  port: config.IDENTITY_PORT,
  host: config.HOST,
  closers: [async () => prune.stop(), () => pool.end()],
});
