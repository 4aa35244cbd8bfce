import { createHttpApp, type Logger, type TokenVerifier } from '@strongbox/http';
import type { Clock, Logger as KernelLogger } from '@strongbox/kernel';
import { DEAD_LETTERS_PREFIX, deadLetterRoutes, type Transport } from '@strongbox/messaging';
import { type MigrationModule, POSTGRES_MODULES, type Pool, ping } from '@strongbox/postgres';
import type { FastifyInstance } from 'fastify';
import { getProcessingRoute } from './features/get-processing/route.ts';
import { orderIntakeHandler } from './features/order-intake/handler.ts';
import { SERVICE } from './infra/events.ts';
import { cancelIfPending, findByOrder, insertReceived } from './infra/records-sql.ts';

export { SERVICE };
export const VERSION = '0.1.0';

/** The outbox (processor.order.*), the consumer's inbox and dead letters, then the processing records. */
export const MIGRATIONS: { schema: string; dir: string; modules: readonly MigrationModule[] } = {
  schema: SERVICE,
  dir: new URL('./migrations', import.meta.url).pathname,
  modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.inbox, POSTGRES_MODULES.deadletters],
};

export interface ProcessorDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly verifier: TokenVerifier;
  readonly metrics?: ReadonlyArray<{ metrics(): Promise<string> }>;
  readonly trustProxy?: string | string[];
  /** With it, operators manage this service's dead letters at /v1/admin/dead-letters/processor. */
  readonly deadLetters?: { readonly transport: Transport; readonly clock: Clock };
}

/** The processor's HTTP side (staff look-ups); the consumer and the worker are wired in main.ts. */
export async function buildApp(deps: ProcessorDeps): Promise<FastifyInstance> {
  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger: deps.logger,
    description: 'Processes orders idempotently and reports each outcome as processor.order.processed.',
    verifier: deps.verifier,
    readiness: { database: () => ping(deps.pool) },
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}),
  });
  getProcessingRoute(app, { findByOrder: (orderId) => findByOrder(deps.pool, orderId) });
  if (deps.deadLetters) {
    deadLetterRoutes(app, {
      pool: deps.pool,
      ...deps.deadLetters,
      prefix: `${DEAD_LETTERS_PREFIX}/${SERVICE}`,
    });
  }
  return app;
}

/** The consumer's handler for orders' events (features/order-intake), wired to the processing records. */
export function intake(deps: { clock: Clock; logger: KernelLogger; onReceived: () => void }) {
  return orderIntakeHandler({ ...deps, insertReceived, cancelIfPending });
}
