import { createHttpApp, type Logger, type TokenVerifier } from '@strongbox/http';
import { type Clock, newId } from '@strongbox/kernel';
import { DEAD_LETTERS_PREFIX, deadLetterRoutes, type Transport } from '@strongbox/messaging';
import {
  type MigrationModule,
  POSTGRES_MODULES,
  type Pool,
  ping,
  withTransaction,
} from '@strongbox/postgres';
import { runIdempotent } from '@strongbox/postgres/idempotent-run';
import type { FastifyInstance } from 'fastify';
import { createEndpointRoute } from './features/create-endpoint/route.ts';
import { deleteEndpointRoute } from './features/delete-endpoint/route.ts';
import { endpointStatusRoutes } from './features/endpoint-status/route.ts';
import { getDeliveryRoute } from './features/get-delivery/route.ts';
import { getEndpointRoute } from './features/get-endpoint/route.ts';
import { listDeliveriesRoute } from './features/list-deliveries/route.ts';
import { listEndpointsRoute } from './features/list-endpoints/route.ts';
import { resendDeliveryRoute } from './features/resend-delivery/route.ts';
import { rotateSecretRoute } from './features/rotate-secret/route.ts';
import { updateEndpointRoute } from './features/update-endpoint/route.ts';
import type { AllowList } from './infra/address-policy.ts';
import { countDueDeliveries } from './infra/deliveries.ts';
import { createWebhookMetrics, type WebhookMetrics } from './infra/metrics.ts';
import { newSecret } from './infra/signer.ts';
import { bindStore } from './infra/store.ts';
import { checkTarget, type Resolver, systemResolver } from './infra/target-check.ts';
import type { WebhooksPorts } from './ports.ts';

export const SERVICE = 'webhooks';
export const VERSION = '0.1.0';

/**
 * The schema's migrations: the event consumer's inbox and dead letters, the Idempotency-Key store, then
 * the service's own tables. main.ts and the tests apply exactly these.
 */
export const MIGRATIONS: { schema: string; dir: string; modules: readonly MigrationModule[] } = {
  schema: SERVICE,
  dir: new URL('./migrations', import.meta.url).pathname,
  modules: [POSTGRES_MODULES.inbox, POSTGRES_MODULES.deadletters, POSTGRES_MODULES.idempotency],
};

export interface WebhooksDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly verifier: TokenVerifier;
  /** WEBHOOK_ALLOWED_HOSTS, parsed. */
  readonly allow: AllowList;
  readonly resolve?: Resolver;
  /** Shared with the delivery worker so /metrics shows its attempts; made here when absent (tests). */
  readonly metrics?: WebhookMetrics;
  readonly trustProxy?: string | string[];
  /**
   * The event transport: with it, the consumer's dead letters are served under /v1/admin/dead-letters
   * (operators and admins), which the gateway routes here. The webhooks schema holds them.
   */
  readonly transport?: Transport;
}

export function webhookMetricsFor(pool: Pool, clock: Clock): WebhookMetrics {
  return createWebhookMetrics(() => countDueDeliveries(pool, clock.now()));
}

/** Wires the webhook endpoint and delivery use cases to PostgreSQL and DNS; used by main.ts and by tests. */
export async function buildApp(deps: WebhooksDeps): Promise<FastifyInstance> {
  const { pool, clock } = deps;
  const resolve = deps.resolve ?? systemResolver;
  const metrics = deps.metrics ?? webhookMetricsFor(pool, clock);
  const ports: WebhooksPorts = {
    clock,
    newEndpointId: () => newId('whe', clock),
    newSecret,
    async checkTarget(url) {
      const r = await checkTarget(url, deps.allow, resolve);
      return r.ok ? { ok: true } : r;
    },
    store: bindStore(pool),
    transaction: (work) => withTransaction(pool, (tx) => work(bindStore(tx))),
    idempotent: (req, work) => runIdempotent(pool, clock, req, (tx) => work(bindStore(tx))),
  };

  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger: deps.logger,
    description: 'Outgoing webhooks: endpoints, signed deliveries of events, retries and attempts.',
    verifier: deps.verifier,
    readiness: { database: () => ping(pool) },
    metrics: [metrics.registry],
    ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}),
  });
  for (const route of [
    createEndpointRoute,
    listEndpointsRoute,
    getEndpointRoute,
    updateEndpointRoute,
    endpointStatusRoutes,
    rotateSecretRoute,
    deleteEndpointRoute,
    listDeliveriesRoute,
    getDeliveryRoute,
    resendDeliveryRoute,
  ]) {
    route(app, ports);
  }
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
