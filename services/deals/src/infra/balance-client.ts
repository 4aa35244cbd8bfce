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
import { Pool } from 'undici';
import { DEAL_CURRENCY } from '../domain/deal.ts';
import type { DealLedger, LedgerTransfer, NewLedgerAccount } from '../features/ledger-tasks/ports.ts';
import type { ServiceTokens } from './service-token.ts';

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
/** One worker makes one call at a time; a few connections cover several instances' rounds. */
export const BALANCE_CONNECTIONS_MAX = 4;

/** Balance could not be reached or answered with a server error: try again later, nothing is decided. */
export class BalanceUnavailable extends Error {
  override readonly name = 'BalanceUnavailable';
}

/** Balance said no for good (a 4xx): the same call will get the same answer, an operator must look. */
export class BalanceRefusal extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BalanceRefusal';
    this.code = code;
  }
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface DealsBalanceClient extends DealLedger {
  close(): Promise<void>;
}

export function balanceClient(opts: {
  baseUrl: string;
  tokens: ServiceTokens;
  onBreakerChange?: (state: 'open' | 'closed' | 'half_open') => void;
}): DealsBalanceClient {
  const base = new URL(opts.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const http = new Pool(base.origin, { connections: BALANCE_CONNECTIONS_MAX });
  const policy = balancePolicy(opts.onBreakerChange);
  const post = (path: string, body: unknown, key: string, traceId: string) =>
    policy((signal) => postOnce({ http, prefix, tokens: opts.tokens, signal }, path, body, key, traceId));
  return {
    close: () => http.close(),
    async openAccount(account: NewLedgerAccount, key, traceId) {
      const a = await post('/v1/accounts', { currency: DEAL_CURRENCY, ...account }, key, traceId);
      return created(a, 'opening an account');
    },
    async transfer(t: LedgerTransfer, key, traceId) {
      if (t.amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('a transfer above 2^53 - 1');
      const body = { ...t, amount: Number(t.amount), currency: DEAL_CURRENCY };
      return created(await post('/v1/transfers', body, key, traceId), 'transferring');
    },
  };
}

function created(a: Answer, what: string): string {
  if (a.status === 201 && typeof a.body['id'] === 'string') return a.body['id'];
  const code = String(a.body['code'] ?? a.status);
  throw new BalanceRefusal(code, `balance answered ${a.status} ${code} when ${what}`);
}

/** The one policy around every call; whatever gives no outcome leaves as BalanceUnavailable. */
function balancePolicy(
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

/** One try of a POST: its answer, or BalanceUnavailable when it tells nothing (retried by the policy). */
async function postOnce(
  c: { http: Pool; prefix: string; tokens: ServiceTokens; signal: AbortSignal },
  path: string,
  body: unknown,
  idempotencyKey: string,
  traceId: string,
): Promise<Answer> {
  let token: string;
  try {
    token = await c.tokens.get();
  } catch (err) {
    throw new BalanceUnavailable((err as Error).message);
  }
  let status: number;
  let text: string;
  try {
    const res = await c.http.request({
      method: 'POST',
      path: `${c.prefix}${path}`,
      signal: c.signal,
      headers: {
        authorization: `Bearer ${token}`,
        'x-trace-id': traceId,
        'idempotency-key': idempotencyKey,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw new BalanceUnavailable(`balance did not answer: ${(err as Error).message}`);
  }
  const answer = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (status === 401) {
    c.tokens.invalidate();
    throw new BalanceUnavailable('balance refused the service token');
  }
  if (status >= 500 || status === 429 || answer['code'] === 'idempotency_in_progress')
    throw new BalanceUnavailable(`balance answered ${status} ${String(answer['code'] ?? '')}`);
  return { status, body: answer };
}
