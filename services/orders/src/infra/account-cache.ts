import { type Clock, expiringMap } from '@strongbox/kernel';
import type { AccountOf } from '../ports.ts';
import type { OrdersMetrics } from './metrics.ts';

/**
 * Accounts whose owner and currency this process remembers (ADR 0043): about 200 bytes each, so the bound
 * is a couple of megabytes; a wallet that orders again within ACCOUNT_CACHE_TTL_MS skips the call to balance.
 */
export const ACCOUNT_CACHE_ENTRIES_MAX = 10_000;
/**
 * Balance never changes an account's owner or currency, so no answer goes wrong while cached. The limit
 * only bounds how long an account that balance someday changed or removed by hand would be believed.
 */
export const ACCOUNT_CACHE_TTL_MS = 5 * 60_000;

/**
 * The account check with the owner and currency of accounts balance has shown remembered. Only a found
 * account is remembered: a 404 may be an account created a moment later, or one the caller may not see.
 * What is remembered is the account's, not the caller's: the route still refuses an owner other than the
 * caller, exactly as when balance answers, so a cached account is no easier to order from.
 */
export function cachedAccountOf(
  accountOf: AccountOf,
  deps: { readonly clock: Clock; readonly metrics: Pick<OrdersMetrics, 'accountCache'> },
): AccountOf {
  const known = expiringMap<string, { ownerId: string; currency: string }>({
    entriesMax: ACCOUNT_CACHE_ENTRIES_MAX,
    ttlMs: ACCOUNT_CACHE_TTL_MS,
    clock: deps.clock,
  });
  return async (accountId, bearer, traceId) => {
    const hit = known.get(accountId);
    if (hit) {
      deps.metrics.accountCache.inc({ result: 'hit' });
      return hit;
    }
    deps.metrics.accountCache.inc({ result: 'miss' });
    const account = await accountOf(accountId, bearer, traceId);
    if (account) known.set(accountId, account);
    return account;
  };
}
