import type { ServiceTokens } from '@strongbox/http/service-token';
import { Pool } from 'undici';
import { DEAL_CURRENCY } from '../domain/deal.ts';
import type { DealLedger, LedgerTransfer, NewLedgerAccount } from '../features/ledger-tasks/ports.ts';
import { BalanceUnavailable, balancePolicy } from './balance-policy.ts';

export { BALANCE_RETRIES_MAX, BALANCE_TIMEOUT_MS, BalanceUnavailable } from './balance-policy.ts';

/** The ledger worker makes one call at a time; a few connections leave room for reads beside it. */
export const BALANCE_CONNECTIONS_MAX = 4;

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
  /**
   * An account's posted balance in minor units, or undefined when balance has no such account: what
   * reconciliation compares with the bank, account by account (ADR 0031).
   */
  accountBalance(accountId: string, traceId: string): Promise<bigint | undefined>;
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
  const call = (method: 'GET' | 'POST', path: string, o: CallOptions) =>
    policy((signal) => requestOnce({ http, prefix, tokens: opts.tokens, signal }, method, path, o));
  const post = (path: string, body: unknown, idempotencyKey: string, traceId: string) =>
    call('POST', path, { body, idempotencyKey, traceId });
  return {
    close: () => http.close(),
    async accountBalance(accountId, traceId) {
      const a = await call('GET', `/v1/accounts/${encodeURIComponent(accountId)}`, { traceId });
      if (a.status === 404 || a.status === 400) return undefined;
      if (a.status !== 200 || typeof a.body['balance'] !== 'number')
        throw new BalanceRefusal(
          String(a.body['code'] ?? a.status),
          `balance answered ${a.status} for ${accountId}`,
        );
      return BigInt(a.body['balance']);
    },
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

interface CallOptions {
  readonly traceId: string;
  readonly idempotencyKey?: string;
  readonly body?: unknown;
}

/** One try of a call: its answer, or BalanceUnavailable when it tells nothing (retried by the policy). */
async function requestOnce(
  c: { http: Pool; prefix: string; tokens: ServiceTokens; signal: AbortSignal },
  method: 'GET' | 'POST',
  path: string,
  o: CallOptions,
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
      method,
      path: `${c.prefix}${path}`,
      signal: c.signal,
      headers: {
        authorization: `Bearer ${token}`,
        'x-trace-id': o.traceId,
        ...(o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(o.body ?? {}) } : {}),
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
