import type { Deal, Milestone, PayoutHoldReason, ReceiptStatus, Release } from './deal.ts';
import { heldAmount, isParty } from './deal.ts';
import { create, isCreator, revise } from './draft.ts';
import type { DealEvent } from './events.ts';
import { type ShareRule, type SplitRejection, split } from './split.ts';

/** Who asks: a user (with whether they are staff), or the deals service's own workers reporting the bank. */
export type Actor =
  | { readonly kind: 'user'; readonly userId: string; readonly staff: boolean; readonly agent: boolean }
  | { readonly kind: 'system' };

export interface NewMilestone {
  readonly id: string;
  readonly title: string;
  readonly amount: bigint;
  readonly release: Release;
  readonly rules: readonly ShareRule[];
  /** One id per rule, in the rules' order: the payouts' ids come in as arguments, like every id. */
  readonly payoutIds: readonly string[];
}

export type DealCommand =
  | {
      readonly kind: 'create';
      readonly dealId: string;
      readonly title: string;
      readonly payerId: string;
      readonly amount: bigint;
      readonly milestones: readonly NewMilestone[];
      /** The users behind the recipients, so the payer can never be paid from their own deal. */
      readonly recipientUserIds: readonly string[];
    }
  | {
      /** Replaces a draft's terms as a whole; the route fills what the client left out from the deal. */
      readonly kind: 'revise';
      readonly title: string;
      readonly payerId: string;
      readonly amount: bigint;
      readonly milestones: readonly NewMilestone[];
      readonly recipientUserIds: readonly string[];
    }
  | { readonly kind: 'submit' }
  | { readonly kind: 'registered_at_bank'; readonly bankDealId: string }
  | { readonly kind: 'fund'; readonly incomingTransactionId: string; readonly amount: bigint }
  | { readonly kind: 'confirm_milestone'; readonly milestoneId: string }
  | { readonly kind: 'release_due' }
  | { readonly kind: 'payout_completed'; readonly payoutId: string }
  | { readonly kind: 'payout_failed'; readonly payoutId: string; readonly reason: string }
  | { readonly kind: 'retry_payout'; readonly payoutId: string }
  | {
      readonly kind: 'hold_payout';
      readonly payoutId: string;
      readonly reason: PayoutHoldReason;
      readonly detail: string;
    }
  | { readonly kind: 'resume_payout'; readonly payoutId: string }
  | {
      readonly kind: 'record_receipt';
      readonly payoutId: string;
      readonly status: ReceiptStatus;
      readonly receiptNumber: string | null;
      readonly link: string | null;
    }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'open_dispute'; readonly disputeId: string; readonly reason: string }
  /** The bank-task worker: the bank cannot make the deal's refund, an operator must (ADR 0035). */
  | { readonly kind: 'refund_needs_operator'; readonly amount: bigint; readonly reason: string }
  | {
      readonly kind: 'resolve_dispute';
      /** The dispute being resolved; another (or none) open answers dispute_not_found. */
      readonly disputeId?: string;
      readonly outcome: 'release' | 'full_refund' | { readonly partialRefund: bigint };
    };

export type DealRejection =
  | SplitRejection
  | 'deal_not_found'
  | 'deal_exists'
  | 'deal_forbidden'
  | 'deal_invalid'
  | 'deal_milestones_sum_mismatch'
  | 'deal_payer_is_recipient'
  | 'deal_wrong_status'
  | 'deal_disputed'
  | 'deal_not_cancellable'
  | 'milestone_not_found'
  | 'dispute_not_found'
  | 'milestone_not_confirmable'
  | 'payout_not_found'
  | 'payout_not_failed'
  | 'payout_not_paid'
  | 'funding_amount_mismatch'
  | 'refund_amount_invalid';

export type Decision =
  | { readonly ok: true; readonly events: readonly DealEvent[] }
  | { readonly ok: false; readonly code: DealRejection };

const reject = (code: DealRejection): Decision => ({ ok: false, code });
const accept = (...events: DealEvent[]): Decision => ({ ok: true, events });
/** A late or repeated report from the bank about something already recorded: nothing to add. */
const nothing: Decision = { ok: true, events: [] };

/**
 * The deal's rules as one pure function: what `command` by `actor` at `at` adds to `deal` (null before it
 * exists), or why it is refused. Reports from the bank that arrive late or twice add nothing, so a deal's
 * state never goes backwards whatever order its notifications come in.
 */
export function decide(command: DealCommand, deal: Deal | null, actor: Actor, at: Date): Decision {
  if (command.kind === 'create') return deal ? reject('deal_exists') : create(command, actor, at);
  if (!deal) return reject('deal_not_found');
  if (actor.kind === 'user' && !actor.staff && !isParty(deal, actor.userId)) return reject('deal_not_found');
  switch (command.kind) {
    case 'revise':
      return revise(deal, command, actor, at);
    case 'submit':
      if (!isCreator(deal, actor)) return reject('deal_forbidden');
      return deal.status === 'draft' ? accept({ type: 'deal.submitted', at }) : reject('deal_wrong_status');
    case 'registered_at_bank':
      if (actor.kind !== 'system') return reject('deal_forbidden');
      if (deal.status !== 'submitted') return nothing;
      return accept({ type: 'deal.registered_at_bank', at, bankDealId: command.bankDealId });
    case 'fund':
      return fund(deal, command, actor, at);
    case 'confirm_milestone':
      return confirm(deal, command.milestoneId, actor, at);
    case 'release_due':
      if (actor.kind !== 'system') return reject('deal_forbidden');
      return isReleasing(deal) ? accept(...dueReleases(deal, at)) : nothing;
    case 'payout_completed':
    case 'payout_failed':
      return payoutReport(deal, command, actor, at);
    case 'retry_payout':
      return retry(deal, command.payoutId, actor, at);
    case 'hold_payout':
    case 'resume_payout':
      return holdOrResume(deal, command, actor, at);
    case 'record_receipt':
      return receipt(deal, command, actor, at);
    case 'cancel':
      return cancel(deal, actor, at);
    case 'open_dispute':
      if (actor.kind !== 'user' || !isParty(deal, actor.userId)) return reject('deal_forbidden');
      if (deal.status !== 'funded' && deal.status !== 'releasing') return reject('deal_wrong_status');
      if (heldAmount(deal) === 0n) return reject('deal_wrong_status');
      return accept({
        type: 'deal.disputed',
        at,
        disputeId: command.disputeId,
        by: actor.userId,
        reason: command.reason,
      });
    case 'resolve_dispute':
      if (command.disputeId !== undefined && deal.dispute?.id !== command.disputeId)
        return actor.kind === 'user' && actor.staff ? reject('dispute_not_found') : reject('deal_forbidden');
      return resolve(deal, command.outcome, actor, at);
    case 'refund_needs_operator':
      if (actor.kind !== 'system') return reject('deal_forbidden');
      // Recorded once: the task performed again after a crash finds it there.
      if (deal.refundNeedsOperator !== null) return nothing;
      return accept({
        type: 'deal.refund_needs_operator',
        at,
        amount: command.amount,
        reason: command.reason,
      });
    default: {
      const unreachable: never = command;
      throw new Error(`unknown deal command ${JSON.stringify(unreachable)}`);
    }
  }
}

function isReleasing(deal: Deal): boolean {
  return deal.status === 'funded' || deal.status === 'releasing' || deal.status === 'partially_refunded';
}

function fund(deal: Deal, c: Extract<DealCommand, { kind: 'fund' }>, actor: Actor, at: Date): Decision {
  if (actor.kind !== 'system') return reject('deal_forbidden');
  if (deal.fundedBy !== null)
    return deal.fundedBy === c.incomingTransactionId ? nothing : reject('deal_wrong_status');
  if (deal.status !== 'awaiting_payment') return reject('deal_wrong_status');
  if (c.amount !== deal.amount) return reject('funding_amount_mismatch');
  const funded: DealEvent = {
    type: 'deal.funded',
    at,
    incomingTransactionId: c.incomingTransactionId,
    amount: c.amount,
  };
  const after = { ...deal, status: 'funded' as const, fundedBy: c.incomingTransactionId, fundedAt: at };
  return accept(funded, ...dueReleases(after, at));
}

/** The milestones whose release condition holds at `at` and that have not been released yet. */
function dueReleases(deal: Deal, at: Date): DealEvent[] {
  return deal.milestones.filter((m) => isDue(m, deal.fundedAt, at)).map((m) => released(m, at));
}

function isDue(m: Milestone, fundedAt: Date | null, at: Date): boolean {
  if (m.status !== 'pending' && m.status !== 'confirmed') return false;
  if (m.amount === 0n || fundedAt === null) return false;
  switch (m.release.kind) {
    case 'immediate':
      return true;
    case 'on_date':
      return m.release.at.getTime() <= at.getTime();
    case 'hold_hours':
      return fundedAt.getTime() + m.release.hours * 3_600_000 <= at.getTime();
    case 'payer_confirms':
      return m.status === 'confirmed';
    default: {
      const unreachable: never = m.release;
      throw new Error(`unknown release ${JSON.stringify(unreachable)}`);
    }
  }
}

function released(m: Milestone, at: Date): DealEvent {
  return { type: 'deal.milestone_released', at, milestoneId: m.id };
}

function confirm(deal: Deal, milestoneId: string, actor: Actor, at: Date): Decision {
  if (actor.kind !== 'user' || actor.userId !== deal.payerId) return reject('deal_forbidden');
  const m = deal.milestones.find((x) => x.id === milestoneId);
  if (!m) return reject('milestone_not_found');
  if (deal.status === 'disputed') return reject('deal_disputed');
  if (!isReleasing(deal)) return reject('deal_wrong_status');
  if (m.release.kind !== 'payer_confirms' || m.status !== 'pending')
    return reject('milestone_not_confirmable');
  return accept({ type: 'deal.milestone_confirmed', at, milestoneId, by: actor.userId }, released(m, at));
}

function findPayout(deal: Deal, payoutId: string) {
  for (const m of deal.milestones) {
    const p = m.payouts.find((x) => x.id === payoutId);
    if (p) return { milestone: m, payout: p };
  }
  return undefined;
}

function payoutReport(
  deal: Deal,
  c: Extract<DealCommand, { kind: 'payout_completed' | 'payout_failed' }>,
  actor: Actor,
  at: Date,
): Decision {
  if (actor.kind !== 'system') return reject('deal_forbidden');
  const found = findPayout(deal, c.payoutId);
  if (!found) return reject('payout_not_found');
  const { milestone, payout } = found;
  // Only a released milestone has payouts in flight; a paid payout never becomes failed again.
  if (milestone.status !== 'released' || payout.status === 'paid') return nothing;
  if (c.kind === 'payout_failed')
    return payout.status === 'failed'
      ? nothing
      : accept({
          type: 'deal.payout_failed',
          at,
          milestoneId: milestone.id,
          payoutId: payout.id,
          reason: c.reason,
        });
  const done: DealEvent = {
    type: 'deal.payout_completed',
    at,
    milestoneId: milestone.id,
    payoutId: payout.id,
  };
  const lastOfDeal = deal.milestones.every((m) =>
    m.id === milestone.id
      ? m.payouts.every((p) => p.id === payout.id || p.status === 'paid')
      : m.status === 'paid' || m.status === 'refunded',
  );
  return lastOfDeal ? accept(done, { type: 'deal.completed', at }) : accept(done);
}

/**
 * The self-employed payout worker's verdict before paying: held (with why) or free to go. Only a payout of a
 * released milestone that is not paid yet can wait; the same reason twice adds nothing, so the worker can
 * check again and again without growing the history, and a new reason is a new event people see.
 */
function holdOrResume(
  deal: Deal,
  c: Extract<DealCommand, { kind: 'hold_payout' | 'resume_payout' }>,
  actor: Actor,
  at: Date,
): Decision {
  if (actor.kind !== 'system') return reject('deal_forbidden');
  const found = findPayout(deal, c.payoutId);
  if (!found) return reject('payout_not_found');
  const { milestone, payout } = found;
  const ids = { milestoneId: milestone.id, payoutId: payout.id };
  if (c.kind === 'resume_payout')
    return payout.status === 'held' ? accept({ type: 'deal.payout_resumed', at, ...ids }) : nothing;
  if (milestone.status !== 'released' || (payout.status !== 'pending' && payout.status !== 'held'))
    return nothing;
  if (payout.hold?.reason === c.reason && payout.hold.detail === c.detail) return nothing;
  return accept({ type: 'deal.payout_held', at, ...ids, reason: c.reason, detail: c.detail });
}

/** A receipt's status as the bank answers it; only a paid payout has one, and only a change is news. */
function receipt(
  deal: Deal,
  c: Extract<DealCommand, { kind: 'record_receipt' }>,
  actor: Actor,
  at: Date,
): Decision {
  if (actor.kind !== 'system') return reject('deal_forbidden');
  const found = findPayout(deal, c.payoutId);
  if (!found) return reject('payout_not_found');
  const { milestone, payout } = found;
  if (payout.status !== 'paid') return reject('payout_not_paid');
  const was = payout.receipt;
  if (was?.status === c.status && was.receiptNumber === c.receiptNumber && was.link === c.link)
    return nothing;
  const ids = { milestoneId: milestone.id, payoutId: payout.id };
  const updated: DealEvent = {
    type: 'deal.receipt_updated',
    at,
    ...ids,
    status: c.status,
    receiptNumber: c.receiptNumber,
    link: c.link,
  };
  // Only an issued receipt annulled afterwards is flagged: one refused from the start was never issued.
  return c.status === 'CANCELED' && was?.status === 'SUCCESS'
    ? accept(updated, { type: 'deal.receipt_cancelled', at, ...ids, receiptNumber: was.receiptNumber })
    : accept(updated);
}

function retry(deal: Deal, payoutId: string, actor: Actor, at: Date): Decision {
  if (!isCreator(deal, actor)) return reject('deal_forbidden');
  const found = findPayout(deal, payoutId);
  if (!found) return reject('payout_not_found');
  if (found.payout.status !== 'failed') return reject('payout_not_failed');
  return accept({ type: 'deal.payout_retried', at, milestoneId: found.milestone.id, payoutId });
}

function cancel(deal: Deal, actor: Actor, at: Date): Decision {
  if (actor.kind !== 'user') return reject('deal_forbidden');
  const anyReleased = deal.milestones.some((m) => m.status === 'released' || m.status === 'paid');
  const cancellable =
    deal.status === 'draft' ||
    deal.status === 'submitted' ||
    deal.status === 'awaiting_payment' ||
    (deal.status === 'funded' && !anyReleased);
  if (!cancellable) return reject('deal_not_cancellable');
  return accept({ type: 'deal.cancelled', at, by: actor.userId, refundAmount: heldAmount(deal) });
}

function resolve(
  deal: Deal,
  outcome: Extract<DealCommand, { kind: 'resolve_dispute' }>['outcome'],
  actor: Actor,
  at: Date,
): Decision {
  if (actor.kind !== 'user' || !actor.staff) return reject('deal_forbidden');
  if (deal.status !== 'disputed' || deal.dispute === null) return reject('deal_wrong_status');
  const base = { type: 'deal.dispute_resolved', at, disputeId: deal.dispute.id, by: actor.userId } as const;
  if (outcome === 'release') {
    const resumed = { ...deal, status: deal.dispute.resumeStatus };
    return accept({ ...base, outcome: 'release' }, ...dueReleases(resumed, at));
  }
  const held = heldAmount(deal);
  const amount = outcome === 'full_refund' ? held : outcome.partialRefund;
  if (amount < 1n || amount > held) return reject('refund_amount_invalid');
  const refund = refundFromLast(deal, amount);
  if (!refund.ok) return reject(refund.code);
  const resolved: DealEvent = {
    ...base,
    outcome: outcome === 'full_refund' ? 'full_refund' : 'partial_refund',
  };
  const refundedEvent: DealEvent = { type: 'deal.refunded', at, amount, milestones: refund.milestones };
  // What the refund leaves may all be paid out already: then nothing will come to complete the deal later.
  return settledAfterRefund(deal, refund.milestones)
    ? accept(resolved, refundedEvent, { type: 'deal.completed', at })
    : accept(resolved, refundedEvent);
}

/** Whether, after the refund's changes, every milestone is paid or refunded and at least one was paid. */
function settledAfterRefund(
  deal: Deal,
  changes: ReadonlyArray<{ readonly milestoneId: string; readonly amount: bigint }>,
): boolean {
  const emptied = new Set(changes.filter((c) => c.amount === 0n).map((c) => c.milestoneId));
  const statuses = deal.milestones.map((m) => (emptied.has(m.id) ? 'refunded' : m.status));
  return statuses.every((s) => s === 'paid' || s === 'refunded') && statuses.includes('paid');
}

/**
 * Takes a refund out of the unreleased milestones, the last one first, and splits what stays in each by its
 * own rules again, so every recipient's share keeps to the rule the parties agreed.
 */
function refundFromLast(deal: Deal, amount: bigint) {
  type Change = Extract<DealEvent, { type: 'deal.refunded' }>['milestones'][number];
  const changes: Change[] = [];
  let left = amount;
  for (const m of [...deal.milestones].reverse()) {
    if (left === 0n) break;
    if (m.status !== 'pending' && m.status !== 'confirmed') continue;
    const take = smaller(left, m.amount);
    left -= take;
    const rest = m.amount - take;
    if (rest === 0n) {
      changes.push({ milestoneId: m.id, amount: 0n, payouts: [] });
      continue;
    }
    const again = split(rest, m.rules);
    if (!again.ok) return { ok: false as const, code: again.code };
    changes.push({
      milestoneId: m.id,
      amount: rest,
      payouts: m.payouts.map((p, i) => ({ id: p.id, amount: again.shares[i]!.amount })),
    });
  }
  return { ok: true as const, milestones: changes };
}

function smaller(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
