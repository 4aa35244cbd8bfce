import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpApp, jwtVerifier, type Logger, remoteKeys } from '@strongbox/http';
import { type Clock, systemClock } from '@strongbox/kernel';
import type { ServiceParts } from '@strongbox/service';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { loadCabinet, registerCabinet } from './cabinet.ts';
import type { GatewayConfig } from './config.ts';
import { corsPlugin } from './cors.ts';
import { mergedDocs, registerDocs } from './docs.ts';
import { registerProxy } from './proxy.ts';
import { invalidTokenBudget, registerRateLimits } from './rate-limit.ts';

/** Shorter than the factory's per-check limit, so a hung identity is reported as failed, not as a hang. */
export const READY_PROBE_TIMEOUT_MS = 1_500;
/**
 * Bounded waits: an absent, slow or hung Redis must not hold requests. Every command gives up after
 * REDIS_COMMAND_TIMEOUT_MS, and the limiter then lets the request pass.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 200;
const REDIS_CONNECT_TIMEOUT_MS = 500;

/** The version the gateway's document and /health report: its package's. */
export const VERSION = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly version: string;
  readonly clock?: Clock;
  /** Defaults to the factory's limit; bodies larger than this never reach an upstream. */
  readonly bodyLimitBytes?: number;
  /** The rate limits' shared counters (rateLimitRedis), closed last at shutdown. */
  readonly redis?: Redis | undefined;
  /** The certificate and key of config.tls, read (readTls): served over HTTPS with HSTS; HTTP without. */
  readonly https?: { readonly cert: Buffer | string; readonly key: Buffer | string } | undefined;
  /** Overrides how long an open circuit waits before a probe (tests). */
  readonly breakerHalfOpenAfterMs?: number;
}

export interface GatewayApp extends ServiceParts {
  readonly app: FastifyInstance;
}

/** The rate limits' shared counters at `url` (none without one); a failing Redis is logged, not fatal. */
export function rateLimitRedis(url: string | undefined, logger: Logger): Redis | undefined {
  if (!url) return undefined;
  const redis = new Redis(url, {
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on('error', (err) =>
    logger.warn({ err }, 'redis for rate limits failed; requests are not limited meanwhile'),
  );
  return redis;
}

/**
 * The gateway: the factory's edge (trace ids, problem+json, JWT check, health, readiness, metrics) with
 * the route table's prefixes proxied to their services and one merged API document.
 *
 * @example
 * const { app } = await buildApp({ config: loadConfig(process.env), logger, version: '0.1.0' });
 */
export async function buildApp(deps: GatewayDeps): Promise<GatewayApp> {
  const { config } = deps;
  const docs = mergedDocs({
    routes: config.routes,
    upstreams: config.upstreams,
    version: deps.version,
    clock: deps.clock ?? systemClock,
  });
  const tokens = invalidTokenBudget();
  const app = await createHttpApp({
    service: 'gateway',
    version: deps.version,
    logger: deps.logger,
    // jose caches the key set and refetches it when a token names a kid it has not seen.
    verifier: jwtVerifier({
      keys: remoteKeys(config.jwksUrl),
      issuer: config.issuer,
      audience: config.audience,
      staffTotpRequired: config.staffTotpRequired,
    }),
    // Only identity: the gateway cannot check a token without its keys. Another service being down makes
    // its own routes answer 503, but must not take the whole entry point out of the load balancer.
    readiness: { identity: () => probe(`${config.upstreams.identity}/health`) },
    tokenChecks: tokens.budget,
    description: 'The public entry of Strongbox',
    openapi: () => docs.get(),
    ...(deps.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: deps.bodyLimitBytes }),
    ...(deps.https ? { https: deps.https } : {}),
    // Preflights are answered before the token check and before any route (the proxy would forward them).
    beforeAuth: corsPlugin(config.corsOrigins),
    // Behind a load balancer the caller's address comes from its X-Forwarded-For, for the per-address
    // limits and for what upstreams see; nobody else's X-Forwarded-For is believed.
    ...(config.trustedProxies.length > 0
      ? { forwarding: { kind: 'proxies', addresses: config.trustedProxies } as const }
      : {}),
  });
  await registerRateLimits(
    app,
    {
      userPerMinute: config.rateLimits.userPerMinute,
      ipPerMinute: config.rateLimits.ipPerMinute,
      bankNotificationsPerMinute: config.rateLimits.bankNotificationsPerMinute,
      invalidTokenPerMinute: config.rateLimits.invalidTokenPerMinute,
      nameSpace: config.rateLimits.nameSpace,
      ...(deps.redis ? { redis: deps.redis } : {}),
    },
    tokens,
  );
  await registerProxy(app, {
    routes: config.routes,
    upstreams: config.upstreams,
    forwardingSecret: config.forwardingSecrets[0],
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.breakerHalfOpenAfterMs === undefined
      ? {}
      : { breakerHalfOpenAfterMs: deps.breakerHalfOpenAfterMs }),
  });
  await registerDocs(app, docs);
  const cabinet = loadCabinet(config.cabinetDir);
  if (cabinet) registerCabinet(app, cabinet);
  else
    deps.logger.warn(
      { dir: config.cabinetDir },
      'the cabinet is not built; / is not served (npm install builds it)',
    );
  const { redis } = deps;
  return { app, closers: redis ? [async () => void (await redis.quit().catch(() => undefined))] : [] };
}

async function probe(url: string): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
}
