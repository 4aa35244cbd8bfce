import { createHttpApp, type ForwardingPolicy, type Logger, type TokenVerifier } from '@strongbox/http';
import { type Clock, newId, type SecretKeys } from '@strongbox/kernel';
import { DEAD_LETTERS_PREFIX, deadLetterRoutes, type Transport } from '@strongbox/messaging';
import {
  type MigrationModule,
  POSTGRES_MODULES,
  type Pool,
  ping,
  withTransaction,
} from '@strongbox/postgres';
import { runIdempotent } from '@strongbox/postgres/idempotent-run';
import type { ServiceParts } from '@strongbox/service';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createEndpointRoute } from './features/create-endpoint/route.ts';
import { deleteEndpointRoute } from './features/delete-endpoint/route.ts';
import { endpointStatusRoutes } from './features/endpoint-status/route.ts';
import { getDeliveryRoute } from './features/get-delivery/route.ts';
import { getEndpointRoute } from './features/get-endpoint/route.ts';
import { listDeliveriesRoute } from './features/list-deliveries/route.ts';
import { listEndpointsRoute } from './features/list-endpoints/route.ts';
import {
  CONSUMER_NAME,
  eventRecorder,
  WEBHOOKS_CONSUMER_CONCURRENCY,
} from './features/record-event/handler.ts';
import { resendDeliveryRoute } from './features/resend-delivery/route.ts';
import { rotateSecretRoute } from './features/rotate-secret/route.ts';
import { updateEndpointRoute } from './features/update-endpoint/route.ts';
import type { AllowList } from './infra/address-policy.ts';
import {
  candidateEndpoints,
  countDueDeliveries,
  insertDeliveries,
  insertDeliveriesForEvent,
} from './infra/deliveries.ts';
import { DELIVERY_TIMEOUT_MS } from './infra/http-sender.ts';
import { createWebhookMetrics, type WebhookMetrics } from './infra/metrics.ts';
import { sealedAnswers } from './infra/sealed-answers.ts';
import { resealEndpointSecrets, secretBox } from './infra/secret-box.ts';
import { newSecret } from './infra/signer.ts';
import { bindStore } from './infra/store.ts';
import { checkTarget, type Resolver, systemResolver } from './infra/target-check.ts';
import type { WebhooksPorts } from './ports.ts';
import { PURGE_SCHEDULE, purgeOldDeliveries } from './retention.ts';
import { endpointRouting } from './routing.ts';
import { createDeliveryWorker, type DeliveryWorker } from './worker/worker.ts';

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
  /** Attempts one instance runs at once (WEBHOOK_CONCURRENCY); the worker's own limit by default. */
  readonly concurrencyMax?: number;
  /** How long one attempt may take; DELIVERY_TIMEOUT_MS by default, shorter in tests. */
  readonly deliveryTimeoutMs?: number;
  /** Whose X-Forwarded-For is believed (the gateway's, signed; ADR 0021). Default: nobody's. */
  readonly forwarding?: ForwardingPolicy | undefined;
  /**
   * SECRETS_KEY: seals the endpoints' signing secrets at rest, newest first (ADR 0027). Absent
   * (development only): they are stored as plain text.
   */
  readonly secrets?: SecretKeys | undefined;
  /**
   * The event transport: with it, the consumer's dead letters are served under /v1/admin/dead-letters
   * (operators and admins), which the gateway routes here. The webhooks schema holds them.
   */
  readonly transport?: Transport | undefined;
}

/**
 * The consumer's handlers (features/record-event), wired to the deliveries table: every event is queued
 * for the endpoints that select it. Exported for the tests, which record events without a transport.
 */
export const { recordEvent, recordEvents } = eventRecorder({
  insertDeliveriesForEvent,
  candidateEndpoints,
  insertDeliveries,
});

/** What a delivery worker may be given other than the app's own (tests). */
export interface DeliveryWorkerOverrides {
  readonly allow?: AllowList;
  readonly resolve?: Resolver;
  readonly timeoutMs?: number;
}

export interface WebhooksApp extends ServiceParts {
  readonly app: FastifyInstance;
  /** Shared by the app and its delivery workers, so /metrics shows their attempts. */
  readonly metrics: WebhookMetrics;
  readonly metricsRegistry: Registry;
  /** Another delivery worker over the same database and metrics; the kit runs the first one. */
  deliveryWorker(overrides?: DeliveryWorkerOverrides): DeliveryWorker;
}

/**
 * Wires the webhook endpoint and delivery use cases to PostgreSQL and DNS, with the consumer that records
 * every event, the delivery worker and the retention job beside them; used by main.ts and by tests.
 */
export async function buildApp(deps: WebhooksDeps): Promise<WebhooksApp> {
  const { pool, clock, logger } = deps;
  const resolve = deps.resolve ?? systemResolver;
  const metrics = createWebhookMetrics(() => countDueDeliveries(pool, clock.now()));
  if (deps.allow.hosts.size > 0 || deps.allow.networks.length > 0)
    logger.warn('WEBHOOK_ALLOWED_HOSTS is set: webhooks may reach the private targets it lists');
  // Before anything reads a secret: a SECRETS_KEY that cannot open them stops the start here, and the
  // secrets under an older key (or none) are sealed under the newest.
  await resealEndpointSecrets(pool, deps.secrets, logger);
  const box = secretBox(deps.secrets);
  const answers = sealedAnswers(box);
  const routing = endpointRouting({ pool, logger, consumer: CONSUMER_NAME });
  const ports: WebhooksPorts = {
    clock,
    newEndpointId: () => newId('whe', clock),
    newSecret,
    async checkTarget(url) {
      const r = await checkTarget(url, deps.allow, resolve);
      return r.ok ? { ok: true } : r;
    },
    store: bindStore(pool, box, routing),
    routing,
    transaction: (work) => withTransaction(pool, (tx) => work(bindStore(tx, box, routing))),
    async idempotent(req, work) {
      const outcome = await runIdempotent(pool, clock, req, async (tx) =>
        answers.seal(await work(bindStore(tx, box, routing))),
      );
      return outcome.kind === 'done' ? { ...outcome, response: answers.open(outcome.response) } : outcome;
    },
  };

  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger,
    description: 'Outgoing webhooks: endpoints, signed deliveries of events, retries and attempts.',
    verifier: deps.verifier,
    readiness: { database: () => ping(pool) },
    metrics: [metrics.registry],
    ...(deps.forwarding ? { forwarding: deps.forwarding } : {}),
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
  const deliveryWorker = (o: DeliveryWorkerOverrides = {}) =>
    createDeliveryWorker(
      {
        pool,
        clock,
        logger,
        metrics,
        allow: o.allow ?? deps.allow,
        resolve: o.resolve ?? resolve,
        timeoutMs: o.timeoutMs ?? deps.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS,
        secrets: box,
        afterDisable: () => routing.settle(),
      },
      deps.concurrencyMax === undefined ? {} : { concurrencyMax: deps.concurrencyMax },
    );
  return {
    app,
    metrics,
    metricsRegistry: metrics.registry,
    deliveryWorker,
    // The event types enabled endpoints select, and only those (ADR 0046): the patterns follow the
    // endpoints, from the table at start and at every change; recordEvent queues an event for the
    // endpoints that select it.
    consumers: [
      {
        name: CONSUMER_NAME,
        eventTypes: [],
        adjustable: { attach: (to) => routing.attach(to) },
        handle: async (tx, event) => {
          await recordEvent(tx, event, clock);
        },
        handleBatch: async (tx, events) => {
          await recordEvents(tx, events, clock);
        },
        // With catch-all endpoints every event of the system comes here; the prefetch is also the largest batch.
        concurrency: WEBHOOKS_CONSUMER_CONCURRENCY,
        // A delivery is unique per (endpoint, event id), so an event delivered again adds nothing, and an
        // event no endpoint selects (most of them) costs a read-only transaction (ADR 0042).
        inbox: false,
      },
    ],
    // Attempts in flight are recorded before the pool closes (an attempt cut short is retried when its
    // lease ends).
    workers: [deliveryWorker(), routing.resync],
    periodicJobs: [
      {
        name: 'webhooks:purge',
        pattern: PURGE_SCHEDULE,
        run: async (tx) => {
          const purged = await purgeOldDeliveries(tx, clock.now());
          if (purged > 0) logger.info({ purged }, 'old webhook deliveries purged');
        },
        onError: (err) => logger.error({ err }, 'webhook delivery purge failed'),
      },
    ],
  };
}
