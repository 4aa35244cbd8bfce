import { formatRubles } from '@strongbox/kernel';
import type { PayoutHoldReason } from './deal.ts';

/**
 * The rules of paying a self-employed recipient (a payer of the professional income tax, NPD). Pure: the
 * self-employed payout worker asks the bank for the NPD status and sums our own records, then asks here.
 */

/**
 * 2,400,000 RUB in kopecks: the income a self-employed person may have in a calendar year and stay on the
 * professional income tax (Federal Law 422-FZ, art. 4). A payout that would take them over it is not paid
 * through their NPD status: it waits (npd_year_limit) for an operator or for the next year.
 */
export const NPD_YEAR_INCOME_LIMIT = 240_000_000n;

/** The tax year is Moscow's calendar year; Moscow is UTC+3 all year round (no daylight saving). */
const MOSCOW_OFFSET_MS = 3 * 3_600_000;

/** The first instant of the tax year `at` falls in. */
export function taxYearStart(at: Date): Date {
  const year = new Date(at.getTime() + MOSCOW_OFFSET_MS).getUTCFullYear();
  return new Date(Date.UTC(year, 0, 1) - MOSCOW_OFFSET_MS);
}

export type NpdVerdict =
  | { readonly pay: true }
  | { readonly pay: false; readonly reason: PayoutHoldReason; readonly detail: string };

/**
 * Whether a payout of `amount` to a self-employed recipient may be paid now: only while the bank answers
 * their NPD status ACTIVE, and only while what they were paid this tax year (`paidThisYear`, payouts
 * completed; `inFlight`, payouts being paid right now) plus this one stays within the yearly limit.
 *
 * @example
 * npdVerdict({ npdStatus: 'NOT_ACTIVE', paidThisYear: 0n, inFlight: 0n, amount: 100n })
 * // { pay: false, reason: 'npd_not_active', detail: 'The NPD status at the bank is NOT_ACTIVE, not ACTIVE' }
 */
export function npdVerdict(input: {
  readonly npdStatus: string;
  readonly paidThisYear: bigint;
  readonly inFlight: bigint;
  readonly amount: bigint;
  readonly limit?: bigint;
}): NpdVerdict {
  if (input.npdStatus !== 'ACTIVE')
    return {
      pay: false,
      reason: 'npd_not_active',
      detail: `The NPD status at the bank is ${input.npdStatus}, not ACTIVE`,
    };
  const limit = input.limit ?? NPD_YEAR_INCOME_LIMIT;
  const total = input.paidThisYear + input.inFlight + input.amount;
  if (total > limit)
    return {
      pay: false,
      reason: 'npd_year_limit',
      detail: `Paid this year ${formatRubles(input.paidThisYear + input.inFlight)} RUB; with this payout ${formatRubles(total)} RUB, above the ${formatRubles(limit)} RUB limit`,
    };
  return { pay: true };
}
