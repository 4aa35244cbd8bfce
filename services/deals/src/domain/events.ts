import type { PayoutHoldReason, ReceiptStatus, Release } from './deal.ts';
import type { ShareRule } from './split.ts';

/**
 * The facts of a deal's life, in the order its stream records them. Each carries its own time (`at`), which
 * came into the decision as an argument. Amounts are bigint minor units here; the store writes them as JSON
 * numbers (≤ 2^53 − 1, checked when the deal is created).
 */
export interface CreatedMilestone {
  readonly id: string;
  readonly title: string;
  readonly amount: bigint;
  readonly release: Release;
  readonly rules: readonly ShareRule[];
  readonly payouts: ReadonlyArray<{
    readonly id: string;
    readonly recipientId: string;
    readonly amount: bigint;
  }>;
}

export type DealEvent =
  | {
      readonly type: 'deal.created';
      readonly at: Date;
      readonly dealId: string;
      readonly title: string;
      readonly createdBy: string;
      readonly payerId: string;
      readonly amount: bigint;
      readonly milestones: readonly CreatedMilestone[];
    }
  | {
      /** The draft's terms replaced as a whole (PATCH while draft): the split is computed again. */
      readonly type: 'deal.revised';
      readonly at: Date;
      readonly by: string;
      readonly title: string;
      readonly payerId: string;
      readonly amount: bigint;
      readonly milestones: readonly CreatedMilestone[];
    }
  | { readonly type: 'deal.submitted'; readonly at: Date }
  | { readonly type: 'deal.registered_at_bank'; readonly at: Date; readonly bankDealId: string }
  | {
      readonly type: 'deal.funded';
      readonly at: Date;
      readonly incomingTransactionId: string;
      readonly amount: bigint;
    }
  | {
      readonly type: 'deal.milestone_confirmed';
      readonly at: Date;
      readonly milestoneId: string;
      readonly by: string;
    }
  | { readonly type: 'deal.milestone_released'; readonly at: Date; readonly milestoneId: string }
  | {
      readonly type: 'deal.payout_completed';
      readonly at: Date;
      readonly milestoneId: string;
      readonly payoutId: string;
    }
  | {
      readonly type: 'deal.payout_failed';
      readonly at: Date;
      readonly milestoneId: string;
      readonly payoutId: string;
      readonly reason: string;
    }
  | {
      readonly type: 'deal.payout_retried';
      readonly at: Date;
      readonly milestoneId: string;
      readonly payoutId: string;
    }
  | { readonly type: 'deal.cancelled'; readonly at: Date; readonly by: string; readonly refundAmount: bigint }
  | {
      readonly type: 'deal.disputed';
      readonly at: Date;
      readonly disputeId: string;
      readonly by: string;
      readonly reason: string;
    }
  | {
      readonly type: 'deal.dispute_resolved';
      readonly at: Date;
      readonly disputeId: string;
      readonly by: string;
      readonly outcome: 'release' | 'full_refund' | 'partial_refund';
    }
  | {
      readonly type: 'deal.refunded';
      readonly at: Date;
      readonly amount: bigint;
      /** Each unreleased milestone's new amount and split after the refund (0 means fully refunded). */
      readonly milestones: ReadonlyArray<{
        readonly milestoneId: string;
        readonly amount: bigint;
        readonly payouts: ReadonlyArray<{ readonly id: string; readonly amount: bigint }>;
      }>;
    }
  | {
      /**
       * The bank could not carry out the refund (a payout was already attempted there): an operator must
       * return the money. The deal's later bank tasks wait until they have (ADR 0035).
       */
      readonly type: 'deal.refund_needs_operator';
      readonly at: Date;
      readonly amount: bigint;
      readonly reason: string;
    }
  | {
      /** A payout waits: the bank is not asked to pay it while held (a self-employed recipient's rules). */
      readonly type: 'deal.payout_held';
      readonly at: Date;
      readonly milestoneId: string;
      readonly payoutId: string;
      readonly reason: PayoutHoldReason;
      /** What the check saw, for people: the NPD status, or the income this year. */
      readonly detail: string;
    }
  | {
      /** The reason of a hold is gone (the NPD status is ACTIVE again): the payout is paid from now on. */
      readonly type: 'deal.payout_resumed';
      readonly at: Date;
      readonly milestoneId: string;
      readonly payoutId: string;
    }
  | {
      /** The tax receipt of a self-employed recipient's payout, as the bank last answered it. */
      readonly type: 'deal.receipt_updated';
      readonly at: Date;
      readonly milestoneId: string;
      readonly payoutId: string;
      readonly status: ReceiptStatus;
      readonly receiptNumber: string | null;
      readonly link: string | null;
    }
  | {
      /** An issued receipt was annulled afterwards: operators must see it (the income is unreported). */
      readonly type: 'deal.receipt_cancelled';
      readonly at: Date;
      readonly milestoneId: string;
      readonly payoutId: string;
      readonly receiptNumber: string | null;
    }
  | { readonly type: 'deal.completed'; readonly at: Date };

export type DealEventType = DealEvent['type'];
