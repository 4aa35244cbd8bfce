import { type BackoffPolicy, type Clock, systemClock } from '@strongbox/kernel';
import type { Answer } from './answer.ts';
import { BankError } from './errors.ts';
import {
  BANK_RETRIES_MAX,
  BANK_RETRY_BACKOFF,
  BANK_TIMEOUT_MS,
  type BankClientEvent,
  BREAKER_FAILURES_MAX,
  BREAKER_HALF_OPEN_AFTER_MS,
  bankPolicy,
  RETRY_AFTER_MS_MAX,
} from './policy.ts';
import { BANK_RATE_PER_S, RATE_WAIT_MS_MAX, RateLimiter } from './rate-limiter.ts';
import { type BankRequest, IDEMPOTENCY_KEY_PATTERN, methodKey, sendOnce } from './transport.ts';

export interface BankClientOptions {
  /** BANK_URL: the bank's origin, with a path prefix if it has one. */
  readonly baseUrl: string;
  /** BANK_API_TOKEN, sent as `Authorization: Bearer`. Never logged, never in an error. */
  readonly token: string;
  readonly timeoutMs?: number;
  readonly retriesMax?: number;
  readonly backoff?: BackoffPolicy;
  readonly retryAfterMsMax?: number;
  readonly breakerFailuresMax?: number;
  readonly breakerHalfOpenAfterMs?: number;
  /** Calls a second per method (HTTP method and path template); the bank allows 10. */
  readonly rateLimitPerS?: number;
  /** Other rates for some methods, keyed `POST /api/v1/nominal-accounts/deals`. */
  readonly rateLimitsPerMethod?: Readonly<Record<string, number>>;
  readonly rateLimitWaitMsMax?: number;
  /** The rate limiter's clock and sleep; tests inject the bank sandbox's clock. */
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
  /** Retries and moves of the circuit, for metrics and logs. */
  readonly onEvent?: (event: BankClientEvent) => void;
}

export interface BankCore {
  /** One call under the policy: the bank's answer, or BankUnavailable. */
  exchange(r: BankRequest): Promise<Answer>;
}

/** The policy-wrapped transport that every call of the client goes through. */
export function bankCore(o: BankClientOptions): BankCore {
  const clock = o.clock ?? systemClock;
  const limiter = new RateLimiter(
    {
      defaultPerS: o.rateLimitPerS ?? BANK_RATE_PER_S,
      perMethod: o.rateLimitsPerMethod ?? {},
      waitMsMax: o.rateLimitWaitMsMax ?? RATE_WAIT_MS_MAX,
    },
    clock,
    o.sleep,
  );
  const run = bankPolicy(
    {
      timeoutMs: o.timeoutMs ?? BANK_TIMEOUT_MS,
      retriesMax: o.retriesMax ?? BANK_RETRIES_MAX,
      backoff: o.backoff ?? BANK_RETRY_BACKOFF,
      retryAfterMsMax: o.retryAfterMsMax ?? RETRY_AFTER_MS_MAX,
      breakerFailuresMax: o.breakerFailuresMax ?? BREAKER_FAILURES_MAX,
      breakerHalfOpenAfterMs: o.breakerHalfOpenAfterMs ?? BREAKER_HALF_OPEN_AFTER_MS,
      random: o.random ?? Math.random,
      onEvent: o.onEvent,
    },
    limiter,
  );
  const wire = { baseUrl: new URL(o.baseUrl), token: o.token, clock, fetch: o.fetch ?? fetch };
  return {
    exchange: (r) => run(methodKey(r), (signal) => sendOnce(wire, r, signal)),
  };
}

/** The body of a success, or the bank's refusal as a BankError. */
export async function ok<T>(core: BankCore, r: BankRequest): Promise<T> {
  const answer = await core.exchange(r);
  if (answer.kind === 'refused') throw new BankError(answer.status, answer.error);
  return answer.body as T;
}

/**
 * A state change the bank does not key (accept, cancel, complete). Refused with 409 CONFLICT, it may
 * have taken effect already: by an earlier try of this call whose answer was lost (a 500 after the
 * effect), or by an earlier delivery of the event that causes it. The object is read back, and if it has
 * reached the wanted state that is the answer; so the change is idempotent by its outcome.
 */
export async function transition<T>(
  core: BankCore,
  r: BankRequest,
  reread: () => Promise<T>,
  reached: (current: T) => boolean,
): Promise<T> {
  const answer = await core.exchange(r);
  if (answer.kind === 'ok') return answer.body as T;
  if (answer.status === 409 && answer.error.errorCode === 'CONFLICT') {
    const current = await reread();
    if (reached(current)) return current;
  }
  throw new BankError(answer.status, answer.error);
}

/** The caller's Idempotency-Key, checked to be what the bank takes (a UUID) before a call is spent. */
export function keyOf(idempotencyKey: string): string {
  if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey))
    throw new TypeError('idempotencyKey must be a UUID derived by the caller from what caused the call');
  return idempotencyKey;
}
