/**
 * How a milestone's amount is split between its recipients, exactly to the kopeck. Pure: the same input
 * always gives the same amounts, so the preview a user sees is the split that is paid.
 *
 * The rule, in order:
 * 1. Fixed shares are taken first, as given.
 * 2. The remainder is divided by the percentage shares (basis points, which must add up to 100 %), each
 *    rounded down, and the kopecks left over go one each to the largest fractional parts (Hamilton's
 *    largest-remainder method); equal fractions go to the share listed first, so the order is stable.
 * 3. A percentage share with a minimum (the platform's fee) that would get less is fixed at its minimum,
 *    and the others are divided again over what is left, in proportion to their basis points.
 * A rule that cannot add up (percentages above or below 100 %, fixed shares above the amount, a minimum
 * that does not fit, a share that would round to nothing) is a rejection with a stable code.
 */

/** A fixed amount in minor units, or a percentage of the remainder in basis points (1..10000). */
export type Share = { readonly fixed: bigint } | { readonly percentBp: number };

export interface ShareRule {
  readonly recipientId: string;
  readonly share: Share;
  /** The least this share may be (the platform fee's configured minimum); only for percentage shares. */
  readonly minimum?: bigint;
}

export interface SplitAmount {
  readonly recipientId: string;
  readonly amount: bigint;
}

export type SplitRejection =
  | 'split_no_recipients'
  | 'split_too_many_recipients'
  | 'split_duplicate_recipient'
  | 'split_invalid_share'
  | 'split_fixed_exceeds_amount'
  | 'split_percent_not_100'
  | 'split_fixed_not_equal_amount'
  | 'split_minimum_exceeds_amount'
  | 'split_share_rounds_to_zero';

export type SplitResult =
  | { readonly ok: true; readonly shares: readonly SplitAmount[] }
  | { readonly ok: false; readonly code: SplitRejection };

export const RECIPIENTS_PER_SPLIT_MAX = 20;
export const BASIS_POINTS_TOTAL = 10_000;
/** The largest amount in minor units that JSON carries exactly (2^53 − 1). */
export const SPLIT_AMOUNT_MAX = 9_007_199_254_740_991n;

const reject = (code: SplitRejection): SplitResult => ({ ok: false, code });

function isFixed(share: Share): share is { readonly fixed: bigint } {
  return 'fixed' in share;
}

function validShare(rule: ShareRule): boolean {
  if (isFixed(rule.share)) return rule.share.fixed >= 1n && rule.minimum === undefined;
  const bp = rule.share.percentBp;
  return Number.isInteger(bp) && bp >= 1 && bp <= BASIS_POINTS_TOTAL && (rule.minimum ?? 1n) >= 1n;
}

/**
 * Splits `amount` by `rules`, returning one amount per rule in the rules' order.
 *
 * @example
 * split(100_000n, [
 *   { recipientId: 'rcp_agent', share: { percentBp: 7000 } },
 *   { recipientId: 'rcp_agency', share: { percentBp: 3000 } },
 * ]); // { ok: true, shares: [{ recipientId: 'rcp_agent', amount: 70_000n }, { …, amount: 30_000n }] }
 */
export function split(amount: bigint, rules: readonly ShareRule[]): SplitResult {
  if (rules.length === 0) return reject('split_no_recipients');
  if (rules.length > RECIPIENTS_PER_SPLIT_MAX) return reject('split_too_many_recipients');
  if (new Set(rules.map((r) => r.recipientId)).size !== rules.length)
    return reject('split_duplicate_recipient');
  if (amount < 1n || amount > SPLIT_AMOUNT_MAX || !rules.every(validShare))
    return reject('split_invalid_share');

  const amounts = new Array<bigint>(rules.length).fill(0n);
  let fixedTotal = 0n;
  const percent: number[] = [];
  rules.forEach((rule, i) => {
    if (isFixed(rule.share)) {
      amounts[i] = rule.share.fixed;
      fixedTotal += rule.share.fixed;
    } else percent.push(i);
  });
  if (fixedTotal > amount) return reject('split_fixed_exceeds_amount');
  const remainder = amount - fixedTotal;
  if (percent.length === 0)
    return fixedTotal === amount ? done(rules, amounts) : reject('split_fixed_not_equal_amount');
  const bpTotal = percent.reduce((sum, i) => sum + basisPoints(rules[i]!), 0);
  if (bpTotal !== BASIS_POINTS_TOTAL) return reject('split_percent_not_100');

  // Each pass either fixes at least one more share at its minimum or ends, so there are at most n passes.
  let open = percent;
  let left = remainder;
  for (let pass = 0; pass <= percent.length; pass++) {
    const divided = largestRemainder(
      left,
      open.map((i) => BigInt(basisPoints(rules[i]!))),
    );
    const short = open.filter((i, k) => divided[k]! < (rules[i]!.minimum ?? 0n));
    if (short.length === 0) {
      open.forEach((i, k) => {
        amounts[i] = divided[k]!;
      });
      return done(rules, amounts);
    }
    for (const i of short) {
      const minimum = rules[i]!.minimum!;
      if (minimum > left) return reject('split_minimum_exceeds_amount');
      amounts[i] = minimum;
      left -= minimum;
    }
    open = open.filter((i) => !short.includes(i));
    if (open.length === 0) return left === 0n ? done(rules, amounts) : reject('split_minimum_exceeds_amount');
  }
  throw new Error('split: minimum passes did not converge');
}

function basisPoints(rule: ShareRule): number {
  return isFixed(rule.share) ? 0 : rule.share.percentBp;
}

function done(rules: readonly ShareRule[], amounts: readonly bigint[]): SplitResult {
  if (amounts.some((a) => a <= 0n)) return reject('split_share_rounds_to_zero');
  return { ok: true, shares: rules.map((r, i) => ({ recipientId: r.recipientId, amount: amounts[i]! })) };
}

/**
 * Divides `total` in proportion to `weights` (all positive) so the parts sum to `total` exactly: every part
 * rounded down, then one unit each to the largest fractional parts, the earlier index first among equals.
 */
export function largestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  const weightTotal = weights.reduce((a, b) => a + b, 0n);
  if (weightTotal <= 0n) throw new RangeError('largestRemainder needs a positive total weight');
  const floors = weights.map((w) => (total * w) / weightTotal);
  const fractions = weights.map((w, i) => ({ i, rest: (total * w) % weightTotal }));
  let leftover = total - floors.reduce((a, b) => a + b, 0n);
  fractions.sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  for (const { i } of fractions) {
    if (leftover === 0n) break;
    floors[i]! += 1n;
    leftover -= 1n;
  }
  return floors;
}
