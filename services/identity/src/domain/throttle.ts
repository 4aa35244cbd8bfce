/**
 * Login throttling (ADR 0006). Guessing is slowed without handing anyone a lockout:
 *
 * - per account and address pair, a few free failures, then a delay after each further failure that
 *   doubles up to a cap: the one guessing waits, while the owner logging in from elsewhere does not;
 * - per account over all addresses, a much looser limit, against guessing spread over many addresses;
 * - per address over all accounts (spraying), free failures and then a short delay that grows to a small
 *   cap, so people sharing the address (an office, a mobile carrier) wait seconds, never minutes.
 *
 * Attempts refused here are not counted as failures, so retrying early never extends a wait.
 */
export const THROTTLE_WINDOW_MS = 60 * 60_000;
export const PAIR_FREE_FAILURES = 3;
export const PAIR_DELAY_BASE_MS = 1_000;
export const PAIR_DELAY_MAX_MS = 15 * 60_000;
export const FAILURES_PER_ACCOUNT_MAX = 100;
/** How long a caller is told to wait once the account's limit is reached: the window slides. */
export const ACCOUNT_RETRY_AFTER_MS = 60_000;
export const ADDRESS_FREE_FAILURES = 30;
export const ADDRESS_DELAY_STEP_MS = 1_000;
export const ADDRESS_DELAY_MAX_MS = 60_000;

/** Earlier failures inside the window (the attempt being judged is not among them). */
export interface FailureHistory {
  readonly pair: { readonly count: number; readonly lastAt: Date | null };
  readonly account: number;
  readonly address: { readonly count: number; readonly lastAt: Date | null };
}

export type ThrottleDecision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'block'; readonly retryAfterS: number };

/** The wait after the pair's last failure before it may try again: 0, 0, 0, 1 s, 2 s, 4 s … 15 min. */
export function pairDelayMs(failures: number): number {
  if (failures < PAIR_FREE_FAILURES) return 0;
  // Capped before the power so that a huge count cannot overflow to Infinity.
  const doublings = Math.min(failures - PAIR_FREE_FAILURES, 30);
  return Math.min(PAIR_DELAY_BASE_MS * 2 ** doublings, PAIR_DELAY_MAX_MS);
}

/** The wait after the address's last failure: 0 for the free ones, then one more second each, to a minute. */
export function addressDelayMs(failures: number): number {
  if (failures < ADDRESS_FREE_FAILURES) return 0;
  return Math.min(ADDRESS_DELAY_STEP_MS * (failures - ADDRESS_FREE_FAILURES + 1), ADDRESS_DELAY_MAX_MS);
}

export function decideThrottle(h: FailureHistory, now: Date): ThrottleDecision {
  const waits = [
    h.account >= FAILURES_PER_ACCOUNT_MAX ? ACCOUNT_RETRY_AFTER_MS : 0,
    remainingMs(h.pair.lastAt, pairDelayMs(h.pair.count), now),
    remainingMs(h.address.lastAt, addressDelayMs(h.address.count), now),
  ];
  const waitMs = Math.max(...waits);
  return waitMs > 0 ? { kind: 'block', retryAfterS: Math.ceil(waitMs / 1000) } : { kind: 'allow' };
}

function remainingMs(lastAt: Date | null, delayMs: number, now: Date): number {
  if (!lastAt || delayMs === 0) return 0;
  return Math.max(0, lastAt.getTime() + delayMs - now.getTime());
}
