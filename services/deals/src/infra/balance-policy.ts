import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';

/**
 * Limits of every call deals makes to balance, the policy orders keeps (ADR 0017): each try is cut at
 * BALANCE_TIMEOUT_MS and retried BALANCE_RETRIES_MAX more times on a network error, a timeout, a 429 or a
 * 5xx, with exponential backoff; after BREAKER_FAILURES_MAX consecutive such failures the circuit opens
 * and calls fail at once for BREAKER_HALF_OPEN_AFTER_MS. Beyond that the ledger task's own backoff retries.
 */
export const BALANCE_TIMEOUT_MS = 5_000;
export const BALANCE_RETRIES_MAX = 2;
export const BALANCE_RETRY_BACKOFF = { initialDelayMs: 50, maxDelayMs: 500 } as const;
export const BREAKER_FAILURES_MAX = 5;
export const BREAKER_HALF_OPEN_AFTER_MS = 2_000;
/** Balance could not be reached or answered with a server error: try again later, nothing is decided. */
export class BalanceUnavailable extends Error {
  override readonly name = 'BalanceUnavailable';
}

/** The one policy around every call; whatever gives no outcome leaves as BalanceUnavailable. */
export function balancePolicy(
  onBreakerChange: ((state: 'open' | 'closed' | 'half_open') => void) | undefined,
): <T>(attempt: (signal: AbortSignal) => Promise<T>) => Promise<T> {
  const transient = handleWhen(
    (err) => err instanceof BalanceUnavailable || err instanceof TaskCancelledError,
  );
  const retries = retry(transient, {
    maxAttempts: BALANCE_RETRIES_MAX,
    backoff: new ExponentialBackoff({
      initialDelay: BALANCE_RETRY_BACKOFF.initialDelayMs,
      maxDelay: BALANCE_RETRY_BACKOFF.maxDelayMs,
    }),
  });
  const breaker = circuitBreaker(transient, {
    halfOpenAfter: BREAKER_HALF_OPEN_AFTER_MS,
    breaker: new ConsecutiveBreaker(BREAKER_FAILURES_MAX),
  });
  breaker.onBreak(() => onBreakerChange?.('open'));
  breaker.onReset(() => onBreakerChange?.('closed'));
  breaker.onHalfOpen(() => onBreakerChange?.('half_open'));
  const policy = wrap(retries, breaker, timeout(BALANCE_TIMEOUT_MS, TimeoutStrategy.Aggressive));
  return async (attempt) => {
    try {
      return await policy.execute(({ signal }) => attempt(signal));
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new BalanceUnavailable('the circuit to balance is open');
      if (err instanceof TaskCancelledError)
        throw new BalanceUnavailable(`balance did not answer within ${BALANCE_TIMEOUT_MS} ms`);
      throw err;
    }
  };
}
