/**
 * Login throttling: failures are counted over a sliding window per account and per client IP. The per-IP
 * limit is higher because many people can share one address (an office, a mobile carrier).
 */
export const THROTTLE_WINDOW_MS = 15 * 60_000;
export const FAILURES_PER_ACCOUNT_MAX = 5;
export const FAILURES_PER_IP_MAX = 30;

export interface FailureCounts {
  readonly account: number;
  readonly ip: number;
}

export type ThrottleDecision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'block'; readonly retryAfterS: number };

export function decideThrottle(counts: FailureCounts): ThrottleDecision {
  if (counts.account >= FAILURES_PER_ACCOUNT_MAX || counts.ip >= FAILURES_PER_IP_MAX) {
    return { kind: 'block', retryAfterS: Math.ceil(THROTTLE_WINDOW_MS / 1000) };
  }
  return { kind: 'allow' };
}
