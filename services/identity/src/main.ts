/**
 * Starts identity alone, as a container would: `DATABASE_URL` is required here (npm start passes the
 * embedded server's). This is the only file that reads the environment and opens sockets.
 */
import { configOrExit, createLogger, loadDevelopmentEnv, orExit, serve } from '@strongbox/http';
import { systemClock } from '@strongbox/kernel';
import { openServiceDatabase, requireDatabaseUrl, schedulePeriodicJob } from '@strongbox/postgres';
import { buildApp, SERVICE } from './app.ts';
import { identityConfig } from './config.ts';
import { pruneIdentity } from './infra/prune.ts';

loadDevelopmentEnv();

/** Every ten minutes; on one instance at a time. */
const PRUNE_SCHEDULE = '0 */10 * * * *';

const config = configOrExit(SERVICE, () => requireDatabaseUrl(identityConfig(process.env)));

const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const pool = await orExit(
  SERVICE,
  openServiceDatabase({
    service: SERVICE,
    url: config.DATABASE_URL,
    sizeMax: config.DATABASE_POOL_MAX,
    migrations: {
      dir: new URL('./migrations', import.meta.url).pathname,
    },
    log: logger,
  }),
);
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
