import type { Clock } from '@strongbox/kernel';
import { sleep } from '@strongbox/kernel';

/**
 * The bank limits each method (HTTP method and path template) to a rate a second and answers 429 beyond
 * it. The client keeps under that limit itself, so it does not spend calls collecting 429s: a token bucket
 * per method, as the bank's own, in which a call that finds no token reserves the next one and waits for
 * it. Reserving (tokens may go below zero) keeps the calls in their arrival order.
 *
 * Written by hand: a bucket is a few lines of arithmetic, and the libraries that do this (bottleneck,
 * p-throttle) bring their own clock and queue, which would make the limiter untestable with an injected
 * clock. The decision (`reserve`) is pure; `RateLimiter` only keeps the buckets and sleeps.
 */
export interface Bucket {
  /** Tokens left at `atMs`; negative when calls are already waiting for tokens not yet refilled. */
  readonly tokens: number;
  readonly atMs: number;
}

export type Reservation =
  | { readonly ok: true; readonly bucket: Bucket; readonly waitMs: number }
  | { readonly ok: false; readonly waitMs: number };

/**
 * Takes one token of a bucket that holds at most `ratePerS` and refills `ratePerS` a second. The call
 * waits `waitMs` for its token; when that would exceed `waitMsMax` nothing is reserved.
 */
export function reserve(
  bucket: Bucket | undefined,
  nowMs: number,
  ratePerS: number,
  waitMsMax: number,
): Reservation {
  const start = bucket ?? { tokens: ratePerS, atMs: nowMs };
  const elapsedS = Math.max(0, nowMs - start.atMs) / 1000;
  const tokens = Math.min(ratePerS, start.tokens + elapsedS * ratePerS) - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil((-tokens / ratePerS) * 1000);
  if (waitMs > waitMsMax) return { ok: false, waitMs };
  return { ok: true, bucket: { tokens, atMs: Math.max(nowMs, start.atMs) }, waitMs };
}

export interface RateLimits {
  /** Calls a second per method when `perMethod` names no other rate (the bank's 10). */
  readonly defaultPerS: number;
  /** Rates by method key, e.g. `{ 'GET /api/v1/nominal-accounts/balances': 5 }`. */
  readonly perMethod?: Readonly<Record<string, number>>;
  /** The longest a call waits for its turn; beyond it the call fails at once as rate_limit_queue_full. */
  readonly waitMsMax: number;
}

/** The bank's per-method limit, and how long a call may queue for its turn. */
export const BANK_RATE_PER_S = 10;
export const RATE_WAIT_MS_MAX = 10_000;
/** The bank allows its self-employed API 1 call a second per method, unless `perMethod` names another. */
export const SELF_EMPLOYED_RATE_PER_S = 1;
const SELF_EMPLOYED_METHOD = /^[A-Z]+ \/api\/v\d+\/self-employed\//;

/** Buckets by method key, on an injected clock, with an injected sleep so tests need not wait. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limits: RateLimits;
  readonly #clock: Clock;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(limits: RateLimits, clock: Clock, wait: (ms: number) => Promise<void> = (ms) => sleep(ms)) {
    for (const perS of [limits.defaultPerS, ...Object.values(limits.perMethod ?? {})])
      if (!(perS > 0)) throw new RangeError(`a rate limit must be above zero, got ${perS}`);
    this.#limits = limits;
    this.#clock = clock;
    this.#sleep = wait;
  }

  /** Resolves when this call's turn has come; false when the wait would exceed the limit (nothing taken). */
  async acquire(method: string): Promise<boolean> {
    const perS =
      this.#limits.perMethod?.[method] ??
      (SELF_EMPLOYED_METHOD.test(method) ? SELF_EMPLOYED_RATE_PER_S : this.#limits.defaultPerS);
    const r = reserve(this.#buckets.get(method), this.#clock.now().getTime(), perS, this.#limits.waitMsMax);
    if (!r.ok) return false;
    this.#buckets.set(method, r.bucket);
    if (r.waitMs > 0) await this.#sleep(r.waitMs);
    return true;
  }
}
