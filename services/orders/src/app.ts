import { createHttpApp, type Logger, type TokenVerifier } from '@strongbox/http';
import { type Clock, newId } from '@strongbox/kernel';
import { DEAD_LETTERS_PREFIX, deadLetterRoutes, type Transport } from '@strongbox/messaging';
import { type MigrationModule, POSTGRES_MODULES, type Pool, ping } from '@strongbox/postgres';
import { rememberAnswer, runIdempotent } from '@strongbox/postgres/idempotent-run';
import type { FastifyInstance } from 'fastify';
import { cancelOrderRoute } from './features/cancel-order/route.ts';
import { createOrderRoute } from './features/create-order/route.ts';
import { getOrderRoute } from './features/get-order/route.ts';
import { listOrdersRoute } from './features/list-orders/route.ts';
import { SERVICE } from './infra/events.ts';
import type { OrdersMetrics } from './infra/metrics.ts';
import { findOrder, insertOrder, listOrdersOf } from './infra/orders-sql.ts';
import type { SagaRunner } from './infra/saga-runner.ts';
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

export interface OrdersDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly verifier: TokenVerifier;
  readonly balance: BalanceClient;
  readonly balanceConfigured: boolean;
  readonly saga: SagaRunner;
  readonly metrics: OrdersMetrics;
  readonly trustProxy?: string | string[];
  /** With it, operators manage this service's dead letters at /v1/admin/dead-letters/orders. */
  readonly transport?: Transport;
}

/** Wires the order use cases to PostgreSQL, balance and the saga; used by main.ts and by tests. */
export async function buildApp(deps: OrdersDeps): Promise<FastifyInstance> {
  const { pool, clock, saga } = deps;
  const ports: OrdersPorts = {
    clock,
    newOrderId: () => newId('ord', clock),
    balanceConfigured: deps.balanceConfigured,
    balance: deps.balance,
    findOrder: (id) => findOrder(pool, id),
    listOrders: (customerId, filter, limit) => listOrdersOf(pool, customerId, filter, limit),
    createOrder: (req, order, render) =>
      runIdempotent(pool, clock, req, async (tx) => {
        const o = order();
        await insertOrder(tx, o);
        return render(o);
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
    metrics: [deps.metrics.registry],
    ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}),
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
  return app;
}
