import type { ServiceTokens } from '@strongbox/http/service-token';
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
import type { Order } from '../domain/order.ts';
import type { BalanceClient, CaptureResult, HoldResult } from '../ports.ts';

/**
 * Limits of every call to balance (ADR 0017). A call takes at most BALANCE_TIMEOUT_MS per try and is tried
 * BALANCE_RETRIES_MAX more times on a network error, a timeout or a 5xx, with exponential backoff; after
 * BREAKER_FAILURES_MAX consecutive such failures the circuit opens and calls fail at once for
 * BREAKER_HALF_OPEN_AFTER_MS. Beyond that the saga's own timer retries (infra/saga-runner.ts).
 */
export const BALANCE_TIMEOUT_MS = 5_000;
export const BALANCE_RETRIES_MAX = 2;
export const BALANCE_RETRY_BACKOFF = { initialDelayMs: 50, maxDelayMs: 500 } as const;
export const BREAKER_FAILURES_MAX = 5;
export const BREAKER_HALF_OPEN_AFTER_MS = 2_000;
/**
 * Balance expires the hold by itself this long after the processing deadline: a backstop that returns the
 * money even if orders were gone for good.
 */
export const HOLD_EXPIRY_MARGIN_S = 3_600;
/** Keep-alive connections to balance: one per saga step in flight, up to the consumer and timer concurrency. */
export const BALANCE_CONNECTIONS_MAX = 64;

/** Balance could not be reached or answered with a server error: try again later, nothing is decided. */
export class BalanceUnavailable extends Error {}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface CallOptions {
  readonly traceId: string;
  readonly idempotencyKey?: string;
  /** The caller's own token; without it the call carries the service token. */
  readonly bearer?: string;
  readonly body?: unknown;
}

type Call = (method: 'GET' | 'POST', path: string, h: CallOptions) => Promise<Answer>;

export function balanceClient(opts: {
  baseUrl: string;
  tokens: ServiceTokens;
  processingTimeoutMs: number;
  onBreakerChange?: (state: 'open' | 'closed' | 'half_open') => void;
}): BalanceClient {
  const base = new URL(opts.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  // undici's own pool rather than fetch: a saga makes three calls per order, and fetch's web streams cost
  // about as much CPU as the rest of the call.
  const http = new Pool(base.origin, { connections: BALANCE_CONNECTIONS_MAX });
  const policy = balancePolicy(opts.onBreakerChange);
  const call: Call = (method, path, h) =>
    policy((signal) => requestOnce({ http, prefix, tokens: opts.tokens, signal }, method, path, h));
  return {
    close: () => http.close(),
    accountOf: (accountId, bearer, traceId) => accountOf(call, accountId, bearer, traceId),
    placeHold: (o) => placeHold(call, o, opts.processingTimeoutMs),
    capture: (o, transferId) => capture(call, o, transferId),
    release: (o, transferId) => release(call, o, transferId),
  };
}

/**
 * The one policy around every call (ADR 0017): each try is cut at BALANCE_TIMEOUT_MS, a transient failure
 * is retried with backoff, and consecutive failures open the circuit. Whatever gives no outcome leaves as
 * BalanceUnavailable.
 */
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

/** One try of a call: its answer, or BalanceUnavailable when it tells nothing (retried by the policy). */
async function requestOnce(
  c: { http: Pool; prefix: string; tokens: ServiceTokens; signal: AbortSignal },
  method: 'GET' | 'POST',
  path: string,
  h: CallOptions,
): Promise<Answer> {
  let token = h.bearer;
  if (token === undefined) {
    try {
      token = await c.tokens.get();
    } catch (err) {
      throw new BalanceUnavailable((err as Error).message);
    }
  }
  let status: number;
  let text: string;
  try {
    const res = await c.http.request({
      method,
      path: `${c.prefix}${path}`,
      signal: c.signal,
      headers: {
        authorization: `Bearer ${token}`,
        'x-trace-id': h.traceId,
        ...(h.idempotencyKey ? { 'idempotency-key': h.idempotencyKey } : {}),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(h.body ?? {}) } : {}),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw new BalanceUnavailable(`balance did not answer: ${(err as Error).message}`);
  }
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (status === 401 && h.bearer === undefined) {
    c.tokens.invalidate();
    throw new BalanceUnavailable('balance refused the service token');
  }
  if (status >= 500 || status === 429 || body['code'] === 'idempotency_in_progress')
    throw new BalanceUnavailable(`balance answered ${status} ${String(body['code'] ?? '')}`);
  return { status, body };
}

async function accountOf(
  call: Call,
  accountId: string,
  bearer: string,
  traceId: string,
): Promise<{ ownerId: string; currency: string } | undefined> {
  const a = await call('GET', `/v1/accounts/${encodeURIComponent(accountId)}`, { traceId, bearer });
  if (a.status === 404 || a.status === 400) return undefined;
  if (a.status !== 200) throw unexpected('reading the account', a);
  return { ownerId: String(a.body['ownerId']), currency: String(a.body['currency']) };
}

async function placeHold(call: Call, o: Order, processingTimeoutMs: number): Promise<HoldResult> {
  const a = await call('POST', '/v1/transfers', {
    traceId: o.traceId,
    idempotencyKey: `order:${o.id}:hold`,
    body: {
      debitAccountId: o.accountId,
      creditAccountId: o.merchantAccountId,
      amount: Number(o.amountMinor),
      currency: o.currency,
      pending: true,
      timeoutSeconds: Math.ceil(processingTimeoutMs / 1000) + HOLD_EXPIRY_MARGIN_S,
      description: `Order ${o.id}`,
      metadata: { orderId: o.id },
    },
  });
  if (a.status === 201) return { kind: 'held', transferId: String(a.body['id']) };
  // Any other 4xx is balance's final word on this request (its answer is stored under our key).
  if (a.status >= 400 && a.status < 500) return { kind: 'refused', code: String(a.body['code'] ?? a.status) };
  throw unexpected('placing the hold', a);
}

async function capture(call: Call, o: Order, transferId: string): Promise<CaptureResult> {
  const a = await call('POST', `/v1/transfers/${encodeURIComponent(transferId)}/post`, {
    traceId: o.traceId,
    idempotencyKey: `order:${o.id}:capture`,
  });
  if (a.status === 200) return { kind: 'captured' };
  if (a.status === 409) {
    const status = await transferStatus(call, o, transferId);
    return status === 'posted' ? { kind: 'captured' } : { kind: 'refused', transferStatus: status };
  }
  throw unexpected('capturing the hold', a);
}

async function release(call: Call, o: Order, transferId: string): Promise<void> {
  const a = await call('POST', `/v1/transfers/${encodeURIComponent(transferId)}/void`, {
    traceId: o.traceId,
    idempotencyKey: `order:${o.id}:release`,
  });
  if (a.status === 200) return;
  if (a.status === 409) {
    // Already resolved in balance: expired or voided is what we wanted; posted would be a broken
    // invariant (only this saga captures, and it decided to release).
    const status = await transferStatus(call, o, transferId);
    if (status === 'voided' || status === 'expired') return;
    throw new Error(`the hold ${transferId} of ${o.id} is ${status}, but the saga decided to release it`);
  }
  throw unexpected('releasing the hold', a);
}

async function transferStatus(call: Call, o: Order, transferId: string): Promise<string> {
  const a = await call('GET', `/v1/transfers/${encodeURIComponent(transferId)}`, { traceId: o.traceId });
  if (a.status !== 200) throw unexpected('reading the hold', a);
  return String(a.body['status']);
}

function unexpected(what: string, a: Answer): Error {
  return new Error(`balance answered ${a.status} ${String(a.body['code'] ?? '')} when ${what}`);
}
