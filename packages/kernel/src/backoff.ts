/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"): the delay for
 * attempt n is uniform in [0, min(capMs, baseMs * 2^n)]. `random` is passed in so tests are deterministic.
 *
 * @example
 * backoffMs(3, { baseMs: 10, capMs: 1_000 }, Math.random) // somewhere in [0, 80]
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
