import type { StepResult } from './processing.ts';

/**
 * The default processing step, simulated so that tests and demos drive every outcome on purpose:
 * amounts or description words listed as failing always fail (permanently), descriptions listed as flaky
 * fail transiently on their first attempts, and otherwise a transient failure happens at `failureRate`.
 */
export interface FulfilmentRules {
  readonly durationMs: number;
  /** 0 to 1; drawn with the random function passed in. */
  readonly failureRate: number;
  readonly failAmounts: ReadonlySet<bigint>;
  /** Case-insensitive substrings of the description. */
  readonly failDescriptions: readonly string[];
  readonly flakyDescriptions: readonly string[];
  /** Attempts a flaky order fails before it succeeds. */
  readonly flakyAttempts: number;
  /**
   * Case-insensitive substrings of the description whose first attempt stalls: its step never finishes in
   * this process, so a test can kill the processor mid-step on purpose instead of racing the step's
   * duration. A later attempt (the lease taken over) runs normally.
   */
  readonly stallDescriptions: readonly string[];
}

export const NO_FAILURES: FulfilmentRules = {
  durationMs: 0,
  failureRate: 0,
  failAmounts: new Set(),
  failDescriptions: [],
  flakyDescriptions: [],
  flakyAttempts: 2,
  stallDescriptions: [],
};

const mentions = (description: string | null, words: readonly string[]) => {
  const d = (description ?? '').toLowerCase();
  return words.some((w) => w !== '' && d.includes(w.toLowerCase()));
};

/** Whether this attempt of the order stalls (see FulfilmentRules.stallDescriptions): only its first one. */
export function stallsAttempt(
  order: { description: string | null },
  attempt: number,
  rules: Pick<FulfilmentRules, 'stallDescriptions'>,
): boolean {
  return attempt === 1 && mentions(order.description, rules.stallDescriptions);
}

export function simulateFulfilment(
  order: { amountMinor: bigint; description: string | null },
  attempt: number,
  rules: FulfilmentRules,
  random: () => number,
): StepResult {
  if (rules.failAmounts.has(order.amountMinor))
    return { kind: 'permanent', error: `amount ${order.amountMinor} cannot be fulfilled` };
  if (mentions(order.description, rules.failDescriptions))
    return { kind: 'permanent', error: 'the order cannot be fulfilled' };
  if (mentions(order.description, rules.flakyDescriptions) && attempt <= rules.flakyAttempts)
    return { kind: 'transient', error: 'fulfilment temporarily unavailable' };
  if (rules.failureRate > 0 && random() < rules.failureRate)
    return { kind: 'transient', error: 'fulfilment temporarily unavailable' };
  return { kind: 'done' };
}
