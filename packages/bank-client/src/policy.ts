import { type BackoffPolicy, backoffMs } from '@strongbox/kernel';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { BankUnavailable, TransientFailure } from './errors.ts';
import type { RateLimiter } from './rate-limiter.ts';

/**
 * The limits of every call to the bank, as ADR 0017 sets them for balance, with the bank's own numbers:
 * a try is cut at BANK_TIMEOUT_MS; a try that told nothing (network error, timeout, 5xx, 429) is retried
 * BANK_RETRIES_MAX more times after full-jitter exponential backoff, or after the bank's Retry-After when it
 * is longer (up to RETRY_AFTER_MS_MAX); BREAKER_FAILURES_MAX such failures in a row open the circuit for
 * BREAKER_HALF_OPEN_AFTER_MS, during which calls fail at once.
 */
export const BANK_TIMEOUT_MS = 10_000;
export const BANK_RETRIES_MAX = 3;
export const BANK_RETRY_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 5_000 };
export const RETRY_AFTER_MS_MAX = 30_000;
export const BREAKER_FAILURES_MAX = 5;
export const BREAKER_HALF_OPEN_AFTER_MS = 30_000;

export interface PolicyOptions {
  readonly timeoutMs: number;
  readonly retriesMax: number;
  readonly backoff: BackoffPolicy;
  readonly retryAfterMsMax: number;
  readonly breakerFailuresMax: number;
  readonly breakerHalfOpenAfterMs: number;
  /** The jitter's source, injected so a test can make it fixed. */
  readonly random: () => number;
  readonly onEvent?: ((event: BankClientEvent) => void) | undefined;
}

/** What an operator wants to count: each retry (with what it saw) and each move of the circuit. */
export type BankClientEvent =
  | {
      readonly type: 'retry';
      readonly method: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly message: string;
    }
  | { readonly type: 'breaker'; readonly state: 'open' | 'half_open' | 'closed' };

/** One try of a call, given the signal that aborts it. */
export type Attempt<T> = (signal: AbortSignal) => Promise<T>;

export type Run = <T>(method: string, attempt: Attempt<T>) => Promise<T>;

/** The wait before retry `attempt` (1 for the first retry): jittered backoff, or Retry-After when longer. */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  o: Pick<PolicyOptions, 'backoff' | 'retryAfterMsMax' | 'random'>,
): number {
  const jittered = backoffMs(attempt - 1, o.backoff, o.random);
  return Math.min(o.retryAfterMsMax, Math.max(jittered, retryAfterMs ?? 0));
}

const isTransient = (err: unknown) => err instanceof TransientFailure || err instanceof TaskCancelledError;

/**
 * The one policy around every call, outermost first: retry, circuit breaker, the local rate limiter (a
 * call waits for its turn before its try's timeout starts), timeout. Whatever gives no decision leaves as
 * BankUnavailable; the bank's answers (2xx and refusals) and unreadable answers pass through.
 */
export function bankPolicy(o: PolicyOptions, limiter: RateLimiter): Run {
  const transient = handleWhen(isTransient);
  const breaker = circuitBreaker(transient, {
    halfOpenAfter: o.breakerHalfOpenAfterMs,
    breaker: new ConsecutiveBreaker(o.breakerFailuresMax),
  });
  breaker.onBreak(() => o.onEvent?.({ type: 'breaker', state: 'open' }));
  breaker.onHalfOpen(() => o.onEvent?.({ type: 'breaker', state: 'half_open' }));
  breaker.onReset(() => o.onEvent?.({ type: 'breaker', state: 'closed' }));
  const cut = timeout(o.timeoutMs, TimeoutStrategy.Aggressive);
  return async (method, attempt) => {
    // One retry policy per call, so its backoff and events know the method they are about.
    const retries = retry(transient, {
      maxAttempts: o.retriesMax,
      backoff: new DelegateBackoff((ctx) => {
        const err = 'error' in ctx.result ? ctx.result.error : undefined;
        return retryDelayMs(ctx.attempt, err instanceof TransientFailure ? err.retryAfterMs : undefined, o);
      }),
    });
    retries.onRetry((e) =>
      o.onEvent?.({ type: 'retry', method, attempt: e.attempt, delayMs: e.delay, message: describe(e) }),
    );
    let last: TransientFailure | TaskCancelledError | undefined;
    try {
      return await wrap(retries, breaker).execute(async () => {
        if (!(await limiter.acquire(method)))
          throw new BankUnavailable('rate_limit_queue_full', `${method} would wait too long for its turn`);
        try {
          return await cut.execute(({ signal }) => attempt(signal));
        } catch (err) {
          if (isTransient(err)) last = err as TransientFailure | TaskCancelledError;
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError)
        throw new BankUnavailable('circuit_open', `the circuit to the bank is open; ${method} was not sent`);
      if (isTransient(err)) throw unavailable(method, last ?? (err as TransientFailure), o);
      throw err;
    }
  };
}

function unavailable(method: string, last: TransientFailure | TaskCancelledError, o: PolicyOptions) {
  const failure =
    last instanceof TransientFailure ? last.failure : { message: `no answer within ${o.timeoutMs} ms` };
  return new BankUnavailable(
    'retries_exhausted',
    `${method} failed ${o.retriesMax + 1} times; last: ${failure.message}`,
    failure,
  );
}

function describe(e: { error: unknown } | { value: unknown }): string {
  if (!('error' in e)) return 'a retried answer';
  return e.error instanceof TaskCancelledError ? 'timeout' : (e.error as Error).message;
}
