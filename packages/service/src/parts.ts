import type { ConsumerSpec } from '@strongbox/messaging';
import type { PoolClient } from '@strongbox/postgres';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * A job that runs on a cron schedule, on one instance at a time (schedulePeriodicJob); the kit gives it
 * the pool and stops it first at shutdown.
 */
export interface PeriodicJobSpec {
  readonly name: string;
  /** Cron pattern with seconds allowed, e.g. `0 *\/10 * * * *`. */
  readonly pattern: string;
  run(tx: PoolClient): Promise<void>;
  onError(err: unknown): void;
}

/** Work that runs beside the HTTP app (a delivery or processing loop), started and stopped by the kit. */
export interface BackgroundWorker {
  start(): void;
  /** Resolves once the work in hand is finished and recorded. */
  stop(): Promise<void>;
}

/**
 * What a service's `buildApp` hands back: the HTTP app and everything that runs beside it. Tests build
 * the same parts and drive them directly; `runService` starts them and stops them in order.
 */
export interface ServiceParts {
  readonly app: FastifyInstance;
  /** The service's own metrics (served at /metrics); the relay's and consumers' metrics join it. */
  readonly metricsRegistry?: Registry;
  /** Event consumers, started once the relay runs (they need the service to declare `events`). */
  readonly consumers?: readonly ConsumerSpec[];
  /** Periodic jobs (they need the service to declare a `database`). */
  readonly periodicJobs?: readonly PeriodicJobSpec[];
  readonly workers?: readonly BackgroundWorker[];
  /**
   * Run at shutdown after the consumers and workers have stopped and before the relay, the transport and
   * the pool close, in this order: what a service must finish or close itself (a client of another one).
   */
  readonly closers?: ReadonlyArray<() => Promise<void>>;
}
