/**
 * Starts the orders service alone, as a container would: the HTTP API, the relay of its outbox, the
 * consumer of processor events and the saga timer. `DATABASE_URL` is required here (npm start passes the
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
import { ConfigError, systemClock } from '@strongbox/kernel';
import { createMessagingMetrics, startConsumer, startRelay, transportFor } from '@strongbox/messaging';
import { openServiceDatabase, requireDatabaseUrl, schedulePeriodicJob } from '@strongbox/postgres';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { ordersConfig } from './config.ts';
import { CONSUMED_EVENT_TYPES, CONSUMER_NAME } from './features/processing-outcome/handler.ts';
import { balanceClient } from './infra/balance-client.ts';
import { createOrdersMetrics } from './infra/metrics.ts';
import { countOpenOrders } from './infra/orders-sql.ts';
import { sagaRunner, TIMER_SCHEDULE } from './infra/saga-runner.ts';
import { serviceTokens } from './infra/service-token.ts';

loadDevelopmentEnv();

const config = configOrExit(SERVICE, () => {
  const c = requireDatabaseUrl(ordersConfig(process.env));
  if (c.NODE_ENV === 'production' && (!c.ORDERS_CLIENT_ID || !c.ORDERS_CLIENT_SECRET))
    throw new ConfigError('ORDERS_CLIENT_ID', 'a service client id with ORDERS_CLIENT_SECRET', undefined);
  return c;
});

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
const balanceConfigured = Boolean(config.ORDERS_CLIENT_ID && config.ORDERS_CLIENT_SECRET);
if (!balanceConfigured)
  logger.warn(
    'ORDERS_CLIENT_ID / ORDERS_CLIENT_SECRET are not set: orders cannot reach balance and takes no orders',
  );
const metrics = createOrdersMetrics(() => countOpenOrders(pool));
const balance = balanceClient({
  baseUrl: config.BALANCE_URL,
  tokens: serviceTokens({
    identityUrl: config.IDENTITY_URL,
    clientId: config.ORDERS_CLIENT_ID ?? '',
    clientSecret: config.ORDERS_CLIENT_SECRET,
  }),
  processingTimeoutMs: config.ORDERS_PROCESSING_TIMEOUT_MS,
  onBreakerChange: (state) => {
    metrics.breakerOpen.set(state === 'open' ? 1 : 0);
    logger.warn({ state }, 'circuit to balance changed');
  },
});
const saga = sagaRunner({
  pool,
  clock,
  logger,
  balance,
  metrics,
  processingTimeoutMs: config.ORDERS_PROCESSING_TIMEOUT_MS,
  resumeAfterMs: config.ORDERS_RESUME_AFTER_MS,
});
const transport = transportFor({ service: SERVICE, amqpUrl: config.AMQP_URL, pool, logger });
const messagingMetrics = createMessagingMetrics(metrics.registry);
const app = await buildApp({
  pool,
  logger,
  clock,
  verifier: jwtVerifier({
    keys: remoteKeys(config.jwksUrl),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  }),
  balance,
  balanceConfigured,
  saga,
  metrics,
  trustProxy: config.TRUST_PROXY.split(',').map((s) => s.trim()),
  transport,
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
    concurrency: config.ORDERS_CONSUMER_CONCURRENCY,
    handle: (tx, event, afterCommit) => saga.handleProcessorEvent(tx, event, afterCommit),
  },
  { pool, transport, logger, clock, metrics: messagingMetrics },
);
// Without credentials no step could succeed; the timer would only log failures.
const timer = balanceConfigured
  ? schedulePeriodicJob({
      name: 'orders:saga',
      pattern: TIMER_SCHEDULE,
      pool,
      run: async (tx) => {
        await saga.tick(tx);
      },
      onError: (err) => logger.error({ err }, 'saga timer failed'),
    })
  : undefined;
// Fastify logs the listening address itself. Intake stops first, then the timer and the consumer, then the
// relay (events already committed are published by the next leader if it cannot finish), then the pool.
await serve(app, {
  port: config.ORDERS_PORT,
  host: config.HOST,
  closers: [
    async () => timer?.stop(),
    () => consumer.stop(),
    // Drives kicked by the consumer or the timer still finish their step before balance's client closes.
    () => saga.settle(),
    () => balance.close(),
    () => relay.stop(),
    () => transport.close(),
    () => pool.end(),
  ],
});
