import fp from 'fastify-plugin';
import { createMetrics } from './metrics.ts';

export interface MetricsPluginOptions {
  readonly service: string;
  /** A service's own metric registries (prom-client), served at /metrics after the HTTP ones. */
  readonly registries: ReadonlyArray<{ metrics(): Promise<string> }>;
}

/** Times every answer by method, route template and status, and serves all registries at `/metrics`. */
export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, opts) => {
    const metrics = createMetrics(opts.service);
    app.addHook('onResponse', (request, reply, done) => {
      metrics.requestDuration
        .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
        .observe(reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(metrics.registry.contentType)
        .send(
          [
            await metrics.registry.metrics(),
            ...(await Promise.all(opts.registries.map((r) => r.metrics()))),
          ].join('\n'),
        ),
    );
  },
  { name: 'strongbox-metrics' },
);
