import { prepared, type Queryable } from '@strongbox/postgres';
import type { Deal, Milestone, Release } from '../domain/deal.ts';

/** The deal as the API and the read model show it: JSON only, amounts as numbers of minor units. */
export interface DealView {
  readonly id: string;
  readonly title: string;
  readonly createdBy: string;
  readonly payerId: string;
  readonly currency: 'RUB';
  readonly amount: number;
  readonly status: string;
  readonly bankDealId: string | null;
  readonly heldAmount: number;
  readonly refundedAmount: number;
  readonly milestones: ReadonlyArray<{
    readonly id: string;
    readonly title: string;
    readonly amount: number;
    readonly release: { readonly kind: string; readonly at?: string; readonly hours?: number };
    readonly status: string;
    readonly payouts: ReadonlyArray<{
      readonly id: string;
      readonly recipientId: string;
      readonly amount: number;
      readonly status: string;
      readonly failure: string | null;
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
  status: m.status,
  payouts: m.payouts.map((p) => ({
    id: p.id,
    recipientId: p.recipientId,
    amount: Number(p.amount),
    status: p.status,
    failure: p.failure,
  })),
});

export function dealView(deal: Deal, held: bigint): DealView {
  return {
    id: deal.id,
    title: deal.title,
    createdBy: deal.createdBy,
    payerId: deal.payerId,
    currency: deal.currency,
    amount: Number(deal.amount),
    status: deal.status,
    bankDealId: deal.bankDealId,
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

/** Writes the deal's list row from its folded state; the same function serves live updates and rebuilds. */
export async function projectDeal(tx: Queryable, view: DealView): Promise<void> {
  await tx.query(
    prepared(
      `insert into deal_views (deal_id, created_by, payer_id, status, title, amount, version, created_at, updated_at, view)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (deal_id) do update set status = excluded.status, title = excluded.title,
         version = excluded.version, updated_at = excluded.updated_at, view = excluded.view
       where deal_views.version < excluded.version`,
      [
        view.id,
        view.createdBy,
        view.payerId,
        view.status,
        view.title,
        view.amount,
        view.version,
        view.createdAt,
        view.updatedAt,
        JSON.stringify(view),
      ],
    ),
  );
}
