import { type Deal, heldAmount, type Milestone, type Release } from './deal.ts';

/**
 * The deal as the API and the read model show it: JSON only, amounts as numbers of minor units (every one
 * is at most 2^53 − 1, checked when the deal is created). Pure, so the HTTP answers and the read model
 * are built by the same function.
 */
export interface DealView {
  readonly id: string;
  readonly title: string;
  readonly createdBy: string;
  readonly payerId: string;
  readonly currency: 'RUB';
  readonly amount: number;
  readonly status: string;
  readonly bankDealId: string | null;
  /** What the payer writes as the payment's purpose when paying into the nominal account. */
  readonly paymentPurpose: string;
  readonly heldAmount: number;
  readonly refundedAmount: number;
  readonly milestones: ReadonlyArray<{
    readonly id: string;
    readonly title: string;
    readonly amount: number;
    readonly release: { readonly kind: string; readonly at?: string; readonly hours?: number };
    readonly rules: ReadonlyArray<{
      readonly recipientId: string;
      readonly share: { readonly fixed: number } | { readonly percentBp: number };
      readonly minimum?: number;
    }>;
    readonly status: string;
    readonly payouts: ReadonlyArray<{
      readonly id: string;
      readonly recipientId: string;
      readonly amount: number;
      readonly status: string;
      readonly failure: string | null;
      /** Why the payout waits (a self-employed recipient's NPD status or yearly limit); null unless held. */
      readonly hold: { readonly reason: string; readonly detail: string } | null;
      readonly receipt: {
        readonly status: string;
        readonly receiptNumber: string | null;
        readonly link: string | null;
      } | null;
    }>;
  }>;
  readonly dispute: { readonly id: string; readonly openedBy: string; readonly reason: string } | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const releaseView = (r: Release) =>
  r.kind === 'on_date'
    ? { kind: r.kind, at: r.at.toISOString() }
    : r.kind === 'hold_hours'
      ? r
      : { kind: r.kind };

const milestoneView = (m: Milestone) => ({
  id: m.id,
  title: m.title,
  amount: Number(m.amount),
  release: releaseView(m.release),
  rules: m.rules.map((r) => ({
    recipientId: r.recipientId,
    share: 'fixed' in r.share ? { fixed: Number(r.share.fixed) } : { percentBp: r.share.percentBp },
    ...(r.minimum === undefined ? {} : { minimum: Number(r.minimum) }),
  })),
  status: m.status,
  payouts: m.payouts.map((p) => ({
    id: p.id,
    recipientId: p.recipientId,
    amount: Number(p.amount),
    status: p.status,
    failure: p.failure,
    hold: p.hold,
    receipt: p.receipt,
  })),
});

export function dealView(deal: Deal, held: bigint = heldAmount(deal)): DealView {
  return {
    id: deal.id,
    title: deal.title,
    createdBy: deal.createdBy,
    payerId: deal.payerId,
    currency: deal.currency,
    amount: Number(deal.amount),
    status: deal.status,
    bankDealId: deal.bankDealId,
    paymentPurpose: paymentPurposeOf(deal.id),
    heldAmount: Number(held),
    refundedAmount: Number(deal.refundedAmount),
    milestones: deal.milestones.map(milestoneView),
    dispute: deal.dispute
      ? { id: deal.dispute.id, openedBy: deal.dispute.openedBy, reason: deal.dispute.reason }
      : null,
    version: deal.version,
    createdAt: deal.createdAt.toISOString(),
    updatedAt: deal.updatedAt.toISOString(),
  };
}

/**
 * The payment purpose that names the deal: the funding job finds the deal id in an incoming transfer's
 * purpose, and money whose purpose names no deal awaiting it stays unidentified for operators.
 */
export function paymentPurposeOf(dealId: string): string {
  return `Payment for safe deal ${dealId}`;
}
