import client from 'prom-client';

/** Latency buckets in seconds, dense where payment APIs live (1 ms – 2.5 s). */
const BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface HttpMetrics {
  readonly registry: client.Registry;
  readonly requestDuration: client.Histogram<'method' | 'route' | 'status_code'>;
}

/**
 * The one way a registry is made, for the HTTP metrics and for every service's own: one per app, so tests
 * that build many apps never collide on metric names, with the service's name on every series when given.
 *
 * @example
 * const registry = createRegistry({ service: 'orders' });
 * new client.Counter({ name: 'orders_transitions_total', help: '…', registers: [registry] });
 */
export function createRegistry(labels: { readonly service?: string } = {}): client.Registry {
  const registry = new client.Registry();
  if (labels.service !== undefined) registry.setDefaultLabels({ service: labels.service });
  return registry;
}

/** The HTTP server's own metrics (createHttpApp serves them first at /metrics). */
export function createMetrics(service: string): HttpMetrics {
  const registry = createRegistry({ service });
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
