import { createHttpApp, type ForwardingPolicy, type Logger, type TokenVerifier } from '@strongbox/http';
import { type ServiceTokens, serviceTokens } from '@strongbox/http/service-token';
import { type Clock, newId } from '@strongbox/kernel';
import { DEAD_LETTERS_PREFIX, deadLetterRoutes, type Transport } from '@strongbox/messaging';
import { type MigrationModule, POSTGRES_MODULES, type Pool, ping } from '@strongbox/postgres';
import {
  KEYED_STATEMENT_FIRST_PARAM,
  rememberAnswer,
  runIdempotentStatement,
} from '@strongbox/postgres/idempotent-run';
import type { ServiceParts } from '@strongbox/service';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { OrdersConfig } from './config.ts';
import { cancelOrderRoute } from './features/cancel-order/route.ts';
import { createOrderRoute } from './features/create-order/route.ts';
import { getOrderRoute } from './features/get-order/route.ts';
import { listOrdersRoute } from './features/list-orders/route.ts';
import { CONSUMED_EVENT_TYPES, CONSUMER_NAME } from './features/processing-outcome/handler.ts';
import { cachedAccountOf } from './infra/account-cache.ts';
import { balanceClient } from './infra/balance-client.ts';
import { SERVICE } from './infra/events.ts';
import { createOrdersMetrics, type OrdersMetrics } from './infra/metrics.ts';
import { countOpenOrders, findOrder, insertOrderWhere, listOrdersOf } from './infra/orders-sql.ts';
import { type SagaRunner, sagaRunner, TIMER_SCHEDULE } from './infra/saga-runner.ts';
import type { BalanceClient, OrdersPorts } from './ports.ts';

export { SERVICE };
export const VERSION = '0.1.0';

/**
 * The schema's migrations: the outbox (orders.order.*), the consumer's inbox and dead letters, the
 * Idempotency-Key store, then the orders table. main.ts and the tests apply exactly these.
 */
export const MIGRATIONS: { schema: string; dir: string; modules: readonly MigrationModule[] } = {
  schema: SERVICE,
  dir: new URL('./migrations', import.meta.url).pathname,
  modules: [
    POSTGRES_MODULES.outbox,
    POSTGRES_MODULES.inbox,
    POSTGRES_MODULES.deadletters,
    POSTGRES_MODULES.idempotency,
  ],
};

/** The settings the wiring reads (ordersConfig's, or a test's own). */
export type OrdersSettings = Pick<
  OrdersConfig,
  | 'BALANCE_URL'
  | 'IDENTITY_URL'
  | 'ORDERS_CLIENT_ID'
  | 'ORDERS_CLIENT_SECRET'
  | 'ORDERS_PROCESSING_TIMEOUT_MS'
  | 'ORDERS_RESUME_AFTER_MS'
  | 'ORDERS_CONSUMER_CONCURRENCY'
>;

export interface OrdersDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly verifier: TokenVerifier;
  readonly config: OrdersSettings;
  /** Orders' own token for balance; by default identity's client-credentials grant for ORDERS_CLIENT_ID. */
  readonly tokens?: ServiceTokens;
  /** The saga's backoff jitter; tests fix it so retry times are known exactly. */
  readonly random?: () => number;
  /** Whose X-Forwarded-For is believed (the gateway's, signed; ADR 0021). Default: nobody's. */
  readonly forwarding?: ForwardingPolicy | undefined;
  /** With it, operators manage this service's dead letters at /v1/admin/dead-letters/orders. */
  readonly transport?: Transport | undefined;
}

export interface OrdersApp extends ServiceParts {
  readonly app: FastifyInstance;
  readonly saga: SagaRunner;
  readonly balance: BalanceClient;
  readonly metrics: OrdersMetrics;
  readonly metricsRegistry: Registry;
}

/**
 * Wires the order use cases to PostgreSQL, balance and the saga, with the consumer of processor events
 * and the saga timer beside them; used by main.ts and by tests.
 */
export async function buildApp(deps: OrdersDeps): Promise<OrdersApp> {
  const { pool, clock, logger, config } = deps;
  const balanceConfigured = Boolean(deps.tokens ?? (config.ORDERS_CLIENT_ID && config.ORDERS_CLIENT_SECRET));
  if (!balanceConfigured)
    logger.warn(
      'ORDERS_CLIENT_ID / ORDERS_CLIENT_SECRET are not set: orders cannot reach balance and takes no orders',
    );
  const metrics = createOrdersMetrics(() => countOpenOrders(pool));
  const balance = balanceClient({
    baseUrl: config.BALANCE_URL,
    tokens:
      deps.tokens ??
      serviceTokens({
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
    ...(deps.random ? { random: deps.random } : {}),
  });
  const ports: OrdersPorts = {
    clock,
    newOrderId: () => newId('ord', clock),
    balanceConfigured,
    accountOf: cachedAccountOf(balance.accountOf, { clock, metrics }),
    findOrder: (id) => findOrder(pool, id),
    listOrders: (customerId, filter, limit) => listOrdersOf(pool, customerId, filter, limit),
    // The key and the new order in one statement (ADR 0043): the answer is rendered before it is written.
    createOrder: (req, order, render) =>
      runIdempotentStatement(pool, clock, req, () => {
        const o = order();
        return { response: render(o), ...insertOrderWhere(o, KEYED_STATEMENT_FIRST_PARAM) };
      }),
    applyInput: (id, input) => saga.apply(id, input),
    drive: (id, known) => saga.drive(id, known),
    rememberAnswer: (req, answer) => rememberAnswer(pool, clock, req, answer),
  };
  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger: deps.logger,
    description: 'Orders and the saga that reserves, captures or releases their money in balance.',
    verifier: deps.verifier,
    readiness: { database: () => ping(pool) },
    metrics: [metrics.registry],
    ...(deps.forwarding ? { forwarding: deps.forwarding } : {}),
  });
  for (const route of [createOrderRoute, listOrdersRoute, getOrderRoute, cancelOrderRoute]) route(app, ports);
  if (deps.transport) {
    deadLetterRoutes(app, {
      pool,
      transport: deps.transport,
      clock,
      prefix: `${DEAD_LETTERS_PREFIX}/${SERVICE}`,
    });
  }
  return {
    app,
    saga,
    balance,
    metrics,
    metricsRegistry: metrics.registry,
    consumers: [
      {
        name: CONSUMER_NAME,
        eventTypes: CONSUMED_EVENT_TYPES,
        concurrency: config.ORDERS_CONSUMER_CONCURRENCY,
        handle: (tx, event, afterCommit) => saga.handleProcessorEvent(tx, event, afterCommit),
      },
    ],
    // Without credentials no step could succeed; the timer would only log failures.
    periodicJobs: balanceConfigured
      ? [
          {
            name: 'orders:saga',
            pattern: TIMER_SCHEDULE,
            run: async (tx) => {
              await saga.tick(tx);
            },
            onError: (err) => logger.error({ err }, 'saga timer failed'),
          },
        ]
      : [],
    // Drives kicked by the consumer or the timer still finish their step before balance's client closes.
    closers: [() => saga.settle(), () => balance.close()],
  };
}
