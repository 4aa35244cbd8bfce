import type { ShareRule } from './split.ts';

/**
 * A safe deal as its events leave it. The deal is event-sourced: this state is never stored as the truth,
 * it is folded from the deal's stream by `evolve`, and `decide` answers what a command would add to it.
 */
export type DealStatus =
  | 'draft'
  | 'submitted'
  | 'awaiting_payment'
  | 'funded'
  | 'releasing'
  | 'completed'
  | 'cancelled'
  | 'disputed'
  | 'refunded'
  | 'partially_refunded';

/** When a milestone's money may go to its recipients, once the deal is funded. */
export type Release =
  | { readonly kind: 'immediate' }
  | { readonly kind: 'on_date'; readonly at: Date }
  | { readonly kind: 'payer_confirms' }
  | { readonly kind: 'hold_hours'; readonly hours: number };

export type MilestoneStatus = 'pending' | 'confirmed' | 'released' | 'paid' | 'refunded';

export type PayoutStatus = 'pending' | 'held' | 'paid' | 'failed';

/**
 * Why a payout waits instead of being paid: a self-employed recipient is paid only while their NPD status
 * at the bank is ACTIVE and within the yearly income limit of the professional income tax.
 */
export const PAYOUT_HOLD_REASONS = ['npd_not_active', 'npd_year_limit'] as const;
export type PayoutHoldReason = (typeof PAYOUT_HOLD_REASONS)[number];

/** The tax receipt of a payout to a self-employed recipient, as the bank's self-employed API answers it. */
export const RECEIPT_STATUSES = ['IN_PROGRESS', 'SUCCESS', 'CANCELED', 'FISCALIZE_FAILED', 'ERROR'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

export interface Receipt {
  readonly status: ReceiptStatus;
  readonly receiptNumber: string | null;
  readonly link: string | null;
}

export interface Payout {
  readonly id: string;
  readonly recipientId: string;
  readonly amount: bigint;
  readonly status: PayoutStatus;
  /** Why the last attempt failed, as the bank said it; null unless failed. */
  readonly failure: string | null;
  /** Attempts made so far; a retry after new bank details adds one. */
  readonly attempts: number;
  /** Why the payout waits, while `held`; null otherwise. */
  readonly hold: { readonly reason: PayoutHoldReason; readonly detail: string } | null;
  /** When the bank's payment of it was recorded as completed; null until paid. */
  readonly paidAt: Date | null;
  /** The tax receipt (self-employed recipients only), once asked for; null before. */
  readonly receipt: Receipt | null;
}

export interface Milestone {
  readonly id: string;
  readonly title: string;
  readonly amount: bigint;
  readonly release: Release;
  readonly rules: readonly ShareRule[];
  /** The split, computed once when the deal is created: what the preview showed is what is paid. */
  readonly payouts: readonly Payout[];
  readonly status: MilestoneStatus;
}

export interface Dispute {
  readonly id: string;
  readonly openedBy: string;
  readonly reason: string;
  /** The status the deal returns to when the dispute is resolved by releasing. */
  readonly resumeStatus: 'funded' | 'releasing';
}

export interface Deal {
  readonly id: string;
  readonly title: string;
  readonly createdBy: string;
  readonly payerId: string;
  readonly currency: 'RUB';
  readonly amount: bigint;
  readonly status: DealStatus;
  readonly milestones: readonly Milestone[];
  readonly bankDealId: string | null;
  /** The incoming bank transaction identified as the payer's money; null until funded. */
  readonly fundedBy: string | null;
  readonly fundedAt: Date | null;
  readonly dispute: Dispute | null;
  readonly refundedAmount: bigint;
  /** A refund the bank could not make, waiting for an operator; null when there is none. */
  readonly refundNeedsOperator: { readonly amount: bigint; readonly reason: string } | null;
  /** The stream's version: the number of events folded into this state. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const MILESTONES_PER_DEAL_MAX = 10;
export const TITLE_LENGTH_MAX = 200;
export const HOLD_HOURS_MAX = 24 * 365;
export const DEAL_CURRENCY = 'RUB';

/** Money still held for the deal: funded, not yet released to recipients and not refunded. */
export function heldAmount(deal: Deal): bigint {
  if (deal.fundedBy === null) return 0n;
  let released = 0n;
  for (const m of deal.milestones) if (m.status === 'released' || m.status === 'paid') released += m.amount;
  return deal.amount - released - deal.refundedAmount;
}

export function isParty(deal: Deal, userId: string): boolean {
  return deal.createdBy === userId || deal.payerId === userId;
}
