import { createRegistry } from '@strongbox/http';
import client from 'prom-client';
import { ATTEMPT_RESULTS, type AttemptResult } from '../domain/schedule.ts';

/** Seconds; an attempt may take up to the 10 s delivery timeout. */
const ATTEMPT_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds from recording an event to its successful delivery: retries stretch this to hours. */
const DELIVERY_BUCKETS_S = [0.1, 0.5, 1, 5, 30, 60, 300, 1_800, 7_200, 36_000, 100_000];

export interface WebhookMetrics {
  readonly registry: client.Registry;
  readonly attempts: client.Counter<'result'>;
  readonly attemptDuration: client.Histogram<'result'>;
  readonly deliveryLatency: client.Histogram;
}

/**
 * The service's own metrics, in a registry of their own (one per app, so tests never collide). The gauge
 * of due deliveries is read from the database when scraped, so every instance reports the shared queue.
 */
export function createWebhookMetrics(countDue: () => Promise<number>): WebhookMetrics {
  // Without the service label: these series never carried it, and dashboards and tests read them so.
  const registry = createRegistry();
  const attempts = new client.Counter({
    name: 'webhook_attempts_total',
    help: 'Webhook delivery attempts by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  // Every result appears from the start at 0, so rates and alerts see the series before the first failure.
  for (const result of ATTEMPT_RESULTS) attempts.labels(result).inc(0);
  const attemptDuration = new client.Histogram({
    name: 'webhook_attempt_duration_seconds',
    help: 'Duration of one webhook attempt (address check, connection, answer) by result',
    labelNames: ['result'] as const,
    buckets: ATTEMPT_BUCKETS_S,
    registers: [registry],
  });
  const deliveryLatency = new client.Histogram({
    name: 'webhook_delivery_latency_seconds',
    help: 'Time from recording an event for an endpoint to its successful delivery',
    buckets: DELIVERY_BUCKETS_S,
    registers: [registry],
  });
  new client.Gauge({
    name: 'webhook_deliveries_due',
    help: 'Pending webhook deliveries whose next attempt is due now (the backlog)',
    registers: [registry],
    async collect() {
      try {
        this.set(await countDue());
      } catch {
        // A scrape during a database outage keeps the last value; /ready reports the outage itself.
      }
    },
  });
  return { registry, attempts, attemptDuration, deliveryLatency };
}

export function recordAttemptMetrics(
  m: WebhookMetrics,
  a: { result: AttemptResult; durationMs: number; deliveredAfterMs: number | undefined },
): void {
  m.attempts.labels(a.result).inc();
  m.attemptDuration.labels(a.result).observe(a.durationMs / 1000);
  if (a.deliveredAfterMs !== undefined) m.deliveryLatency.observe(Math.max(0, a.deliveredAfterMs) / 1000);
}
