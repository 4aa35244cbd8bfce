/**
 * Starts the processor alone, as a container would: the consumer of orders.order.created, the processing
 * worker, the relay of its outbox and the staff API. `DATABASE_URL` is required here (npm start passes the
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
import { createMessagingMetrics, startConsumer, startRelay, transportFor } from '@strongbox/messaging';
import { openServiceDatabase, requireDatabaseUrl } from '@strongbox/postgres';
import client from 'prom-client';
import { buildApp, intake, MIGRATIONS, SERVICE } from './app.ts';
import { processorConfig } from './config.ts';
import { simulateFulfilment } from './domain/fulfilment.ts';
import { CONSUMED_EVENT_TYPES, CONSUMER_NAME } from './features/order-intake/handler.ts';
import { countBacklog } from './infra/records-sql.ts';
import { simulatedStep, startWorker } from './infra/worker.ts';

loadDevelopmentEnv();

const config = configOrExit(SERVICE, () => requireDatabaseUrl(processorConfig(process.env)));

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
const registry = new client.Registry();
registry.setDefaultLabels({ service: SERVICE });
new client.Gauge({
  name: 'processor_backlog',
  help: 'Processing records pending or in progress',
  registers: [registry],
  async collect() {
    this.set(await countBacklog(pool));
  },
});
const messagingMetrics = createMessagingMetrics(registry);
const rules = {
  durationMs: config.PROCESSOR_DURATION_MS,
  failureRate: config.PROCESSOR_FAILURE_RATE,
  failAmounts: new Set(config.PROCESSOR_FAIL_AMOUNTS.filter((a) => /^\d+$/.test(a)).map(BigInt)),
  failDescriptions: config.PROCESSOR_FAIL_DESCRIPTIONS,
  flakyDescriptions: config.PROCESSOR_FLAKY_DESCRIPTIONS,
  flakyAttempts: 2,
};
const transport = transportFor({ service: SERVICE, amqpUrl: config.AMQP_URL, pool, logger });
const app = await buildApp({
  pool,
  logger,
  verifier: jwtVerifier({
    keys: remoteKeys(config.jwksUrl),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  }),
  metrics: [registry],
  trustProxy: config.TRUST_PROXY.split(',').map((s) => s.trim()),
  deadLetters: { transport, clock },
});
const worker = startWorker({
  pool,
  clock,
  logger,
  step: simulatedStep(rules.durationMs, (r, attempt) => simulateFulfilment(r, attempt, rules, Math.random)),
  concurrency: config.PROCESSOR_CONCURRENCY,
  leaseMs: config.PROCESSOR_LEASE_MS,
});
const relay = await startRelay({
  pool,
  schema: SERVICE,
  transport,
  logger,
  clock,
  metrics: messagingMetrics,
});
const consumer = await startConsumer(
  {
    name: CONSUMER_NAME,
    eventTypes: CONSUMED_EVENT_TYPES,
    concurrency: config.PROCESSOR_CONSUMER_CONCURRENCY,
    attemptsMax: config.PROCESSOR_CONSUMER_ATTEMPTS,
    handle: intake({ clock, logger, onReceived: () => worker.wake() }),
  },
  { pool, transport, logger, clock, metrics: messagingMetrics },
);
// Intake stops first, then the worker finishes the attempts in hand, then the relay publishes what it can.
await serve(app, {
  port: config.PROCESSOR_PORT,
  host: config.HOST,
  closers: [
    () => consumer.stop(),
    () => worker.stop(),
    () => relay.stop(),
    () => transport.close(),
    () => pool.end(),
  ],
});
