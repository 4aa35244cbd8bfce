import { createHttpApp, type ForwardingPolicy, type Logger, type TokenVerifier } from '@strongbox/http';
import type { Clock, Logger as KernelLogger } from '@strongbox/kernel';
import { DEAD_LETTERS_PREFIX, deadLetterRoutes, type Transport } from '@strongbox/messaging';
import { type MigrationModule, POSTGRES_MODULES, type Pool, ping } from '@strongbox/postgres';
import type { BackgroundWorker, ServiceParts } from '@strongbox/service';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ProcessorConfig } from './config.ts';
import { simulateFulfilment, stallsAttempt } from './domain/fulfilment.ts';
import { getProcessingRoute } from './features/get-processing/route.ts';
import { CONSUMED_EVENT_TYPES, CONSUMER_NAME, orderIntakeHandler } from './features/order-intake/handler.ts';
import { SERVICE, startedEvent } from './infra/events.ts';
import { createProcessorMetrics } from './infra/metrics.ts';
import {
  cancelIfPending,
  countBacklog,
  findByOrder,
  insertReceived,
  insertStarted,
} from './infra/records-sql.ts';
import { type Reservation, simulatedStep, startWorker, type Worker } from './infra/worker.ts';

export { SERVICE };
export const VERSION = '0.1.0';

/** The outbox (processor.order.*), the consumer's inbox and dead letters, then the processing records. */
export const MIGRATIONS: { schema: string; dir: string; modules: readonly MigrationModule[] } = {
  schema: SERVICE,
  dir: new URL('./migrations', import.meta.url).pathname,
  modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.inbox, POSTGRES_MODULES.deadletters],
};

/** The settings the wiring reads (processorConfig's, or a test's own). */
export type ProcessorSettings = Omit<ProcessorConfig, 'DATABASE_URL' | 'HOST' | 'PROCESSOR_PORT'>;

/** A transient failure of the simulated fulfilment is retried; these first attempts of a flaky order fail. */
const FLAKY_ATTEMPTS = 2;

export interface ProcessorDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly verifier: TokenVerifier;
  readonly config: ProcessorSettings;
  /** The simulated fulfilment's chance; tests fix it. */
  readonly random?: () => number;
  /** Whose X-Forwarded-For is believed (the gateway's, signed; ADR 0021). Default: nobody's. */
  readonly forwarding?: ForwardingPolicy | undefined;
  /** With it, operators manage this service's dead letters at /v1/admin/dead-letters/processor. */
  readonly transport?: Transport | undefined;
}

export interface ProcessorApp extends ServiceParts {
  readonly app: FastifyInstance;
  readonly metricsRegistry: Registry;
}

/**
 * The processor: its staff look-ups over HTTP, the consumer that takes in orders and the worker that
 * processes them; used by main.ts and by tests.
 */
export async function buildApp(deps: ProcessorDeps): Promise<ProcessorApp> {
  const { pool, clock, logger, config } = deps;
  // The worker is made when the kit starts it; the gauge reads 0 until then.
  let running: Worker | undefined;
  const metrics = createProcessorMetrics(
    () => countBacklog(pool),
    () => running?.busySlots() ?? 0,
  );
  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger,
    description: 'Processes orders idempotently and reports each outcome as processor.order.processed.',
    verifier: deps.verifier,
    readiness: { database: () => ping(pool) },
    metrics: [metrics.registry],
    ...(deps.forwarding ? { forwarding: deps.forwarding } : {}),
  });
  getProcessingRoute(app, { findByOrder: (orderId) => findByOrder(pool, orderId) });
  if (deps.transport) {
    deadLetterRoutes(app, {
      pool,
      transport: deps.transport,
      clock,
      prefix: `${DEAD_LETTERS_PREFIX}/${SERVICE}`,
    });
  }
  const random = deps.random ?? Math.random;
  const rules = {
    durationMs: config.PROCESSOR_DURATION_MS,
    failureRate: config.PROCESSOR_FAILURE_RATE,
    failAmounts: new Set(config.PROCESSOR_FAIL_AMOUNTS.filter((a) => /^\d+$/.test(a)).map(BigInt)),
    failDescriptions: config.PROCESSOR_FAIL_DESCRIPTIONS,
    flakyDescriptions: config.PROCESSOR_FLAKY_DESCRIPTIONS,
    flakyAttempts: FLAKY_ATTEMPTS,
    stallDescriptions: config.PROCESSOR_STALL_DESCRIPTIONS,
  };
  // A stalled attempt ends when the worker stops, so a graceful shutdown never waits on it.
  const stopping = new AbortController();
  // The worker polls from the moment it starts; the kit starts it. Intake hands it the records it claimed
  // in a slot it held (ADR 0044), or wakes it for a record it left pending; before the start, intake finds
  // no slot and leaves every record pending.
  const worker: BackgroundWorker = {
    start() {
      running ??= startWorker({
        pool,
        clock,
        logger,
        step: simulatedStep(rules.durationMs, (r, attempt) => simulateFulfilment(r, attempt, rules, random), {
          stalls: (r, attempt) => stallsAttempt(r, attempt, rules),
          stopped: stopping.signal,
        }),
        concurrency: config.PROCESSOR_CONCURRENCY,
        leaseMs: config.PROCESSOR_LEASE_MS,
        onStarted: metrics.attemptStarted,
      });
    },
    async stop() {
      stopping.abort();
      await running?.stop();
    },
  };
  return {
    app,
    metricsRegistry: metrics.registry,
    consumers: [
      {
        name: CONSUMER_NAME,
        eventTypes: CONSUMED_EVENT_TYPES,
        concurrency: config.PROCESSOR_CONSUMER_CONCURRENCY,
        attemptsMax: config.PROCESSOR_CONSUMER_ATTEMPTS,
        handle: intake({
          clock,
          logger,
          leaseMs: config.PROCESSOR_LEASE_MS,
          reserveSlot: () => running?.reserve(),
          onReceived: () => running?.wake(),
        }),
      },
    ],
    workers: [worker],
  };
}

/** What intake is wired to besides the processing records: the clock, the log and the worker's slots. */
export interface IntakeDeps {
  readonly clock: Clock;
  readonly logger: KernelLogger;
  readonly leaseMs: number;
  reserveSlot(): Reservation | undefined;
  onReceived(): void;
}

/** The consumer's handler for orders' events (features/order-intake), wired to the processing records. */
export function intake(deps: IntakeDeps) {
  return orderIntakeHandler({
    ...deps,
    insertReceived,
    // Received and begun at once: its `at` is both.
    insertStarted: (tx, r, leaseUntil) =>
      insertStarted(tx, r, r.receivedAt, leaseUntil, startedEvent(r, deps.clock)),
    cancelIfPending,
  });
}
