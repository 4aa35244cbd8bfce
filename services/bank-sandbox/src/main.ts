/**
 * Starts the bank sandbox alone, as a container would: the simulated bank's API, and a timer that moves
 * scorings and payments on and sends notifications. `DATABASE_URL` is required here (npm start passes
 * the embedded server's). This is the only file that reads the environment and opens sockets.
 */
import { configOrExit, createLogger, loadDevelopmentEnv, orExit, serve } from '@strongbox/http';
import { systemClock } from '@strongbox/kernel';
import { openServiceDatabase, requireDatabaseUrl } from '@strongbox/postgres';
import { buildApp, MIGRATIONS, SCHEMA, SERVICE, sandboxTick } from './app.ts';
import { sandboxConfig } from './config.ts';
import { createSim } from './infra/sim.ts';

loadDevelopmentEnv();

const config = configOrExit(SERVICE, () => requireDatabaseUrl(sandboxConfig(process.env)));
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const pool = await orExit(
  SERVICE,
  openServiceDatabase({
    service: SCHEMA,
    url: config.DATABASE_URL,
    sizeMax: config.DATABASE_POOL_MAX,
    migrations: MIGRATIONS,
    log: logger,
  }),
);
const sim = createSim(systemClock);
sim.reset(config.BANK_SIM_SEED);
const deps = {
  pool,
  logger,
  sim,
  token: config.BANK_API_TOKEN,
  settings: {
    nominalAccount: config.BANK_NOMINAL_ACCOUNT,
    scoringDelayMs: config.BANK_SCORING_DELAY_MS,
    paymentStepMs: config.BANK_PAYMENT_STEP_MS,
  },
  limits: {
    defaultPerS: config.BANK_RATE_LIMIT_PER_S,
    selfEmployedPerS: config.BANK_SELF_EMPLOYED_RATE_LIMIT_PER_S,
  },
  notifications: {
    url: config.BANK_NOTIFICATION_URL,
    secrets: config.BANK_NOTIFICATION_SECRET,
    retryBaseMs: config.BANK_NOTIFICATION_RETRY_BASE_MS,
  },
};
const app = await buildApp(deps);
const tick = sandboxTick(deps);

// One round at a time: a slow round (a receiver timing out) delays the next one, never overlaps it.
let stopped = false;
let timer: NodeJS.Timeout | undefined;
let round: Promise<void> = Promise.resolve();
const schedule = () => {
  timer = setTimeout(() => {
    round = tick()
      .then(() => undefined)
      .catch((err: unknown) => logger.warn({ err }, 'sandbox round failed'))
      .finally(() => {
        if (!stopped) schedule();
      });
  }, config.BANK_TICK_MS);
};
schedule();

await serve(app, {
  port: config.BANK_SANDBOX_PORT,
  host: config.HOST,
  closers: [
    async () => {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
    () => pool.end(),
  ],
});
