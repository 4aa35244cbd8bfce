import swaggerUi from '@fastify/swagger-ui';
import type { createHttpApp } from '@strongbox/http';
import type { Clock } from '@strongbox/kernel';
import type { RouteEntry, ServiceName } from './config.ts';
import { isObject, mergeOpenApi, type SourceDoc } from './openapi.ts';
import { ttlCache } from './ttl-cache.ts';

type App = Awaited<ReturnType<typeof createHttpApp>>;

/** Each upstream's document must arrive within this, or the merged one is built without it. */
export const DOCS_FETCH_TIMEOUT_MS = 2_000;
/** Larger than any API document we expect by far; anything bigger is a fault, not a document. */
export const DOCS_BODY_MAX_BYTES = 4 * 1024 * 1024;
/** How long the merged document is served before the upstreams are asked again. */
export const DOCS_CACHE_TTL_MS = 30_000;
/** A document missing a service is retried sooner, so a restarted service shows up quickly. */
export const DOCS_DEGRADED_TTL_MS = 5_000;
export const DOCS_PREFIX = '/docs';

export interface DocsOptions {
  readonly routes: readonly RouteEntry[];
  readonly upstreams: Readonly<Record<ServiceName, string>>;
  readonly version: string;
  readonly clock: Clock;
}

export type MergedDocs = ReturnType<typeof mergedDocs>;

/** The merged document of every routed service, fetched on demand and cached for a short while. */
export function mergedDocs(opts: DocsOptions) {
  // A prefix rewritten upstream has no paths of its own in the service's document (the bank sandbox's
  // /_sim/ controls); such routes are documented by the service itself.
  const routes = opts.routes.filter((r) => r.upstreamPrefix === undefined);
  const services = [...new Set(routes.map((r) => r.service))];
  return ttlCache(async () => {
    const sources = await Promise.all(services.map((s) => fetchOpenApi(s, opts.upstreams[s])));
    const degraded = sources.some((s) => 'error' in s);
    return {
      value: mergeOpenApi(sources, routes, { version: opts.version }),
      ttlMs: degraded ? DOCS_DEGRADED_TTL_MS : DOCS_CACHE_TTL_MS,
    };
  }, opts.clock);
}

/**
 * Serves Swagger UI (its bundled assets, no CDN) at /docs over the merged document; the factory serves
 * the same document at /openapi.json (the gateway passes it as the factory's `openapi` option).
 */
export async function registerDocs(app: App, merged: MergedDocs): Promise<void> {
  await app.register(async (scope) => {
    // The factory requires a token unless a route says otherwise; documentation is for anyone.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: 'public' };
    });
    await scope.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      theme: { title: 'Strongbox API' },
      uiConfig: { deepLinking: true },
      // Swagger UI reads /docs/json synchronously from app.swagger(); the hook below makes sure the merged
      // document is loaded first, and the transform hands it over instead.
      uiHooks: {
        preHandler: async () => {
          await merged.get();
        },
      },
      transformSpecificationClone: false,
      transformSpecification: (own) => merged.peek() ?? own,
    });
  });
}

/** One upstream's /openapi.json, or a short reason it could not be used. */
export async function fetchOpenApi(service: string, baseUrl: string): Promise<SourceDoc> {
  try {
    const res = await fetch(`${baseUrl}/openapi.json`, {
      signal: AbortSignal.timeout(DOCS_FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (!res.ok) {
      await res.body?.cancel();
      return { service, error: `HTTP ${res.status}` };
    }
    const doc: unknown = JSON.parse(await readBounded(res, DOCS_BODY_MAX_BYTES));
    if (!isObject(doc) || !isObject(doc['paths'])) return { service, error: 'not an OpenAPI document' };
    return { service, doc };
  } catch (err) {
    return { service, error: reasonOf(err) };
  }
}

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new Error('document too large');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error('document too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reasonOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  if (err instanceof SyntaxError) return 'not JSON';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string')
    return cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code;
  return err instanceof Error ? err.message : 'failed';
}
