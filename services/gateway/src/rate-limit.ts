import rateLimit from '@fastify/rate-limit';
import { httpErrors, OPS_PATHS, type TokenCheckBudget } from '@strongbox/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

/** The window every limit counts in. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

export interface RateLimits {
  /** Requests per minute for one signed-in user (or service client), whatever address it calls from. */
  readonly userPerMinute: number;
  /** Requests per minute from one address for the public routes (login, register, refresh, token). */
  readonly ipPerMinute: number;
  /**
   * Requests per minute from one address to the bank's notification path, counted apart from the other
   * public routes: the bank sends far more than a person logs in, and a burst of its notifications must
   * neither be refused for a login's budget nor use that budget up.
   */
  readonly bankNotificationsPerMinute: number;
  /** Refused tokens per minute from one address, after which its tokens are refused unchecked. */
  readonly invalidTokenPerMinute: number;
  /** Shared counters when several gateway instances run; without it each instance counts in memory. */
  readonly redis?: Redis;
  /** Prefix of the counters' keys in Redis: deployments sharing one Redis count apart. */
  readonly nameSpace: string;
}

const OPS = new Set<string>(OPS_PATHS);
/** The bank's signed notifications (deals checks the signature): public, with a budget of their own. */
export const BANK_NOTIFICATIONS_PATH = '/v1/bank/notifications';

/**
 * `user:<sub>` once the token was verified (the auth hook runs first), `bank:<address>` on the bank's
 * notification path, otherwise `ip:<address>`.
 */
export function rateLimitKey(request: Pick<FastifyRequest, 'principal' | 'ip' | 'url'>): string {
  if (request.principal) return `user:${request.principal.sub}`;
  const path = request.url.split('?', 1)[0];
  return path === BANK_NOTIFICATIONS_PATH ? `bank:${request.ip}` : `ip:${request.ip}`;
}

function budgetOf(key: string, limits: RateLimits): number {
  if (key.startsWith('user:')) return limits.userPerMinute;
  return key.startsWith('bank:') ? limits.bankNotificationsPerMinute : limits.ipPerMinute;
}

/**
 * Rate limits at the entry point (brief §6): per user for authenticated calls, per address for the public
 * ones, counted over a minute, answered with 429 `rate_limited` and Retry-After. Counted after the token
 * check (preHandler), so a user is known by the verified `sub`, never by what a token merely claims. The
 * operators' paths are not limited. If Redis fails or hangs (main.ts gives each command 200 ms), requests pass: the limit protects capacity, and
 * correctness never depends on it.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  limits: RateLimits,
  tokenBudget?: InvalidTokenBudget,
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: RATE_LIMIT_WINDOW_MS,
    keyGenerator: rateLimitKey,
    max: (_request, key) => budgetOf(key, limits),
    allowList: (request) => OPS.has(request.routeOptions.url ?? ''),
    nameSpace: limits.nameSpace,
    skipOnError: true,
    ...(limits.redis ? { redis: limits.redis } : {}),
    // The plugin has already set Retry-After and the X-RateLimit-* headers.
    errorResponseBuilder: (_request, context) =>
      httpErrors.rate_limited(`Too many requests; retry in ${context.after}`),
  });
  tokenBudget?.attach(app, limits);
}

type Limiter = (
  request: FastifyRequest,
  opts?: { increment: boolean },
) => Promise<{ isAllowed: boolean; remaining?: number; ttlInSeconds?: number }>;

/** The budget createHttpApp asks before checking a token; it counts once the rate-limit plugin is in. */
export interface InvalidTokenBudget {
  readonly budget: TokenCheckBudget;
  attach(app: FastifyInstance, limits: RateLimits): void;
}

/**
 * Counts refused tokens per address (brief §6): the token check runs before the per-user and per-address
 * limits (which need the verified user), so without this a forged or expired token was never limited
 * and each one cost an EdDSA signature check. Past the budget, the address's unverified tokens are
 * answered 429 without being checked, until the window ends; tokens already verified still pass. The
 * counters are the rate-limit plugin's, so they are shared through Redis like the others.
 */
export function invalidTokenBudget(): InvalidTokenBudget {
  let limiter: Limiter | undefined;
  return {
    attach(app, limits) {
      const create = (app as unknown as { createRateLimit(o: object): Limiter }).createRateLimit;
      limiter = create({
        keyGenerator: (request: FastifyRequest) => `token-refused:${request.ip}`,
        max: limits.invalidTokenPerMinute,
        timeWindow: RATE_LIMIT_WINDOW_MS,
        allowList: () => false,
      });
    },
    budget: {
      async beforeCheck(request, reply) {
        const seen = await limiter?.(request, { increment: false });
        if (seen?.remaining !== 0) return;
        void reply.header('retry-after', String(seen.ttlInSeconds ?? RATE_LIMIT_WINDOW_MS / 1000));
        throw httpErrors.rate_limited('Too many refused tokens from this address; retry later');
      },
      async refused(request) {
        await limiter?.(request);
      },
    },
  };
}
