import client from 'prom-client';

/** Latency buckets in seconds, dense where payment APIs live (1 ms – 2.5 s). */
const BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface HttpMetrics {
  readonly registry: client.Registry;
  readonly requestDuration: client.Histogram<'method' | 'route' | 'status_code'>;
}

/** One registry per app, so tests that build many apps never collide on metric names. */
export function createMetrics(service: string): HttpMetrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
  const requestDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: BUCKETS_S,
    registers: [registry],
  });
  return { registry, requestDuration };
}
