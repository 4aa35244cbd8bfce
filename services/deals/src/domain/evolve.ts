import type { Deal, Milestone, Payout } from './deal.ts';
import type { CreatedMilestone, DealEvent } from './events.ts';

/**
 * Folds one event into the deal. Pure and total: `decide` only emits events that make sense for the
 * state, so evolve never judges, it only applies. `null` is the deal before its first event.
 *
 * @example
 * const deal = events.reduce(evolve, null);
 */
export function evolve(deal: Deal | null, event: DealEvent): Deal {
  if (event.type === 'deal.created') return created(event);
  if (deal === null) throw new Error(`${event.type} before deal.created`);
  const next = apply(deal, event);
  return { ...next, version: deal.version + 1, updatedAt: event.at };
}

function created(e: Extract<DealEvent, { type: 'deal.created' }>): Deal {
  return {
    id: e.dealId,
    title: e.title,
    createdBy: e.createdBy,
    payerId: e.payerId,
    currency: 'RUB',
    amount: e.amount,
    status: 'draft',
    milestones: e.milestones.map(pendingMilestone),
    bankDealId: null,
    fundedBy: null,
    fundedAt: null,
    dispute: null,
    refundedAmount: 0n,
    refundNeedsOperator: null,
    version: 1,
    createdAt: e.at,
    updatedAt: e.at,
  };
}

function pendingMilestone(m: CreatedMilestone): Milestone {
  return {
    id: m.id,
    title: m.title,
    amount: m.amount,
    release: m.release,
    rules: m.rules,
    status: 'pending',
    payouts: m.payouts.map((p) => ({
      ...p,
      status: 'pending',
      failure: null,
      attempts: 0,
      hold: null,
      receipt: null,
      paidAt: null,
    })),
  };
}

function apply(deal: Deal, e: DealEvent): Deal {
  switch (e.type) {
    case 'deal.created':
      throw new Error('deal.created on an existing deal');
    case 'deal.revised':
      return {
        ...deal,
        title: e.title,
        payerId: e.payerId,
        amount: e.amount,
        milestones: e.milestones.map(pendingMilestone),
      };
    case 'deal.submitted':
      return { ...deal, status: 'submitted' };
    case 'deal.registered_at_bank':
      return { ...deal, status: 'awaiting_payment', bankDealId: e.bankDealId };
    case 'deal.funded':
      return { ...deal, status: 'funded', fundedBy: e.incomingTransactionId, fundedAt: e.at };
    case 'deal.milestone_confirmed':
      return withMilestone(deal, e.milestoneId, (m) => ({ ...m, status: 'confirmed' }));
    case 'deal.milestone_released':
      return {
        ...withMilestone(deal, e.milestoneId, (m) => ({ ...m, status: 'released' })),
        status: deal.status === 'partially_refunded' ? deal.status : 'releasing',
      };
    case 'deal.payout_completed':
      return withPayout(deal, e.milestoneId, e.payoutId, (p) => ({
        ...p,
        status: 'paid',
        failure: null,
        hold: null,
        paidAt: e.at,
      }));
    case 'deal.payout_held':
      return withPayout(deal, e.milestoneId, e.payoutId, (p) => ({
        ...p,
        status: 'held',
        hold: { reason: e.reason, detail: e.detail },
      }));
    case 'deal.payout_resumed':
      return withPayout(deal, e.milestoneId, e.payoutId, (p) => ({ ...p, status: 'pending', hold: null }));
    case 'deal.receipt_updated':
      return withPayout(deal, e.milestoneId, e.payoutId, (p) => ({
        ...p,
        receipt: { status: e.status, receiptNumber: e.receiptNumber, link: e.link },
      }));
    case 'deal.receipt_cancelled':
      // The receipt's status came with deal.receipt_updated; this event is the flag for operators.
      return deal;
    case 'deal.payout_failed':
      return withPayout(deal, e.milestoneId, e.payoutId, (p) => ({
        ...p,
        status: 'failed',
        failure: e.reason,
      }));
    case 'deal.payout_retried':
      return withPayout(deal, e.milestoneId, e.payoutId, (p) => ({
        ...p,
        status: 'pending',
        attempts: p.attempts + 1,
      }));
    case 'deal.cancelled':
      return { ...deal, status: 'cancelled', refundedAmount: deal.refundedAmount + e.refundAmount };
    case 'deal.disputed':
      return {
        ...deal,
        status: 'disputed',
        dispute: {
          id: e.disputeId,
          openedBy: e.by,
          reason: e.reason,
          resumeStatus: deal.status === 'releasing' ? 'releasing' : 'funded',
        },
      };
    case 'deal.dispute_resolved':
      return {
        ...deal,
        status: e.outcome === 'release' ? (deal.dispute?.resumeStatus ?? 'funded') : deal.status,
        dispute: null,
      };
    case 'deal.refunded':
      return refunded(deal, e);
    case 'deal.refund_needs_operator':
      return { ...deal, refundNeedsOperator: { amount: e.amount, reason: e.reason } };
    case 'deal.completed':
      return { ...deal, status: 'completed' };
    default: {
      const unreachable: never = e;
      throw new Error(`unknown deal event ${JSON.stringify(unreachable)}`);
    }
  }
}

function refunded(deal: Deal, e: Extract<DealEvent, { type: 'deal.refunded' }>): Deal {
  const changes = new Map(e.milestones.map((m) => [m.milestoneId, m]));
  const milestones = deal.milestones.map((m): Milestone => {
    const change = changes.get(m.id);
    if (!change) return m;
    if (change.amount === 0n) return { ...m, amount: 0n, status: 'refunded', payouts: [] };
    const amounts = new Map(change.payouts.map((p) => [p.id, p.amount]));
    return {
      ...m,
      amount: change.amount,
      payouts: m.payouts.map((p) => ({ ...p, amount: amounts.get(p.id) ?? p.amount })),
    };
  });
  const anyLeft = milestones.some((m) => m.status !== 'refunded');
  const anyPaid = milestones.some((m) => m.status === 'released' || m.status === 'paid');
  return {
    ...deal,
    milestones,
    refundedAmount: deal.refundedAmount + e.amount,
    status: anyLeft || anyPaid ? 'partially_refunded' : 'refunded',
  };
}

function withMilestone(deal: Deal, milestoneId: string, change: (m: Milestone) => Milestone): Deal {
  return { ...deal, milestones: deal.milestones.map((m) => (m.id === milestoneId ? change(m) : m)) };
}

function withPayout(deal: Deal, milestoneId: string, payoutId: string, change: (p: Payout) => Payout): Deal {
  return withMilestone(deal, milestoneId, (m) => {
    const payouts = m.payouts.map((p) => (p.id === payoutId ? change(p) : p));
    const allPaid = payouts.every((p) => p.status === 'paid');
    return { ...m, payouts, status: allPaid ? 'paid' : m.status };
  });
}
