import type { AppError } from '@strongbox/kernel';
import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { FastifyBaseLogger } from 'fastify';
import { SERVICE_NAMES, type ServiceName } from './config.ts';
import { gatewayErrors, isTransportFailure } from './errors.ts';

/** Transport failures in a row (refused, reset, timed out) that open an upstream's circuit. */
export const BREAKER_FAILURES_MAX = 5;
/** How long an open circuit answers at once before it lets one request through to probe. */
export const BREAKER_HALF_OPEN_AFTER_MS = 5_000;

export type ExchangeOutcome<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'open' };

export interface UpstreamBreakers {
  /** Runs one proxied exchange under the upstream's breaker; an open circuit answers without trying. */
  run<T>(service: ServiceName, exchange: () => Promise<T>): Promise<ExchangeOutcome<T>>;
  /** The 503 an open circuit answers with (nothing reached the upstream), with Retry-After. */
  openProblem(service: ServiceName): AppError;
}

/**
 * One circuit breaker per upstream (cockatiel). Only the upstream's transport failures count (refused,
 * unreachable, timed out, connection dropped): an upstream that answers, even with a 5xx, is up. While a circuit is open the gateway answers 503 `upstream_unavailable` at once,
 * instead of making every caller wait for a connection that will fail, and lets one request probe after
 * `halfOpenAfterMs`; its success closes the circuit.
 */
export function upstreamBreakers(opts: {
  log: FastifyBaseLogger;
  halfOpenAfterMs?: number;
}): UpstreamBreakers {
  const halfOpenAfter = opts.halfOpenAfterMs ?? BREAKER_HALF_OPEN_AFTER_MS;
  const policies = new Map(
    SERVICE_NAMES.map((service) => {
      // Anything else (a request undici refuses, the caller hanging up) neither opens nor resets it.
      const policy = circuitBreaker(handleWhen(isTransportFailure), {
        halfOpenAfter,
        breaker: new ConsecutiveBreaker(BREAKER_FAILURES_MAX),
      });
      policy.onBreak(() => opts.log.warn({ upstream: service }, 'circuit to upstream opened'));
      policy.onReset(() => opts.log.info({ upstream: service }, 'circuit to upstream closed'));
      return [service, policy] as const;
    }),
  );
  return {
    async run(service, exchange) {
      const policy = policies.get(service);
      if (!policy) throw new Error(`no circuit for ${service}`);
      try {
        return { kind: 'done', value: await policy.execute(exchange) };
      } catch (error) {
        return error instanceof BrokenCircuitError ? { kind: 'open' } : { kind: 'failed', error };
      }
    },
    openProblem: (service) =>
      gatewayErrors.upstream_unavailable(
        `${service} has failed repeatedly; the gateway is not sending it requests for a few seconds`,
        { headers: { 'retry-after': String(Math.ceil(halfOpenAfter / 1000)) } },
      ),
  };
}
