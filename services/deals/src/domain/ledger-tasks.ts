import { nameBasedUuid } from '@strongbox/kernel';
import type { Deal } from './deal.ts';
import type { DealEvent } from './events.ts';

/**
 * The deal's money as Strongbox's own ledger (balance) mirrors it (ADR 0031). Every account is named by a
 * subject, and each subject is one balance account, opened on first use:
 * - `nominal`: the bank's nominal account as balance sees it. It allows negative balances: it is minus what
 *   the bank holds for the deals, so money entering the bank enters the ledger here and leaves here again;
 * - `escrow:<deal id>`: what the bank holds for one deal, not yet owed to anyone; never negative;
 * - `payout:<recipient id>`: what a released milestone owes the recipient until the bank has paid it;
 * - `settlement`: what the bank has paid out to recipients, for good.
 */
export type LedgerSubject = 'nominal' | 'settlement' | `escrow:${string}` | `payout:${string}`;

export const NOMINAL: LedgerSubject = 'nominal';
export const SETTLEMENT: LedgerSubject = 'settlement';
export const escrowOf = (dealId: string): LedgerSubject => `escrow:${dealId}`;
export const payoutOf = (recipientId: string): LedgerSubject => `payout:${recipientId}`;

export type LedgerTaskKind = 'fund_escrow' | 'release_payout' | 'settle_payout' | 'refund_escrow';

/** One transfer in balance: `amount` minor units of RUB from one subject's account to another's. */
export interface LedgerTask {
  readonly kind: LedgerTaskKind;
  readonly from: LedgerSubject;
  readonly to: LedgerSubject;
  readonly amount: bigint;
}

export interface KeyedLedgerTask {
  readonly key: string;
  readonly task: LedgerTask;
}

/**
 * The transfers an event causes in the ledger, given the deal as it was before the event. Pure: the same
 * event always yields the same tasks with the same keys, so a retried transaction writes them once.
 * - funded: nominal → the deal's escrow, the amount identified for it;
 * - a milestone released: escrow → each recipient's payout account, its share (the bank starts paying);
 * - a payout completed: that payout account → settlement (the bank has paid it);
 * - refunded, or cancelled while funded: escrow → nominal (the bank returns it to the payer).
 * A failed payout moves nothing: its share stays owed on the payout account until the retry is paid.
 *
 * @example
 * ledgerTasksFor({ type: 'deal.funded', amount: 100n, ... }, 'evt_1', deal)
 * // [{ key: 'evt_1/fund_escrow', task: { kind: 'fund_escrow', from: 'nominal', to: 'escrow:deal_1', amount: 100n } }]
 */
export function ledgerTasksFor(event: DealEvent, eventId: string, before: Deal | null): KeyedLedgerTask[] {
  if (before === null) return [];
  const escrow = escrowOf(before.id);
  const one = (kind: LedgerTaskKind, from: LedgerSubject, to: LedgerSubject, amount: bigint) =>
    amount > 0n ? [{ key: `${eventId}/${kind}`, task: { kind, from, to, amount } }] : [];
  switch (event.type) {
    case 'deal.funded':
      return one('fund_escrow', NOMINAL, escrow, event.amount);
    case 'deal.milestone_released': {
      const m = before.milestones.find((x) => x.id === event.milestoneId);
      // Zero shares (a percentage of a tiny amount) move nothing: balance takes amounts of 1 and above.
      return (m?.payouts ?? [])
        .filter((p) => p.amount > 0n)
        .map((p) => ({
          key: `${eventId}/release_payout/${p.id}`,
          task: { kind: 'release_payout', from: escrow, to: payoutOf(p.recipientId), amount: p.amount },
        }));
    }
    case 'deal.payout_completed': {
      const m = before.milestones.find((x) => x.id === event.milestoneId);
      const p = m?.payouts.find((x) => x.id === event.payoutId);
      return p ? one('settle_payout', payoutOf(p.recipientId), SETTLEMENT, p.amount) : [];
    }
    case 'deal.refunded':
      return one('refund_escrow', escrow, NOMINAL, event.amount);
    case 'deal.cancelled':
      // What cancelling hands back is what the deal held: nothing unless it was funded.
      return one('refund_escrow', escrow, NOMINAL, event.refundAmount);
    default:
      return [];
  }
}

/** How balance should open a subject's account: its name, whether it may go negative, its metadata. */
export function accountSpecOf(subject: LedgerSubject): {
  readonly name: string;
  readonly allowNegative: boolean;
  readonly metadata: Readonly<Record<string, string>>;
} {
  if (subject === NOMINAL)
    return {
      name: 'Deals: bank nominal account',
      allowNegative: true,
      metadata: { ledger: 'deals_nominal' },
    };
  if (subject === SETTLEMENT)
    return {
      name: 'Deals: paid out by the bank',
      allowNegative: false,
      metadata: { ledger: 'deals_settlement' },
    };
  const [kind, id] = [subject.slice(0, subject.indexOf(':')), subject.slice(subject.indexOf(':') + 1)];
  if (kind === 'escrow')
    return {
      name: `Deal ${id}: escrow`,
      allowNegative: false,
      metadata: { ledger: 'deals_escrow', dealId: id },
    };
  return {
    name: `Recipient ${id}: payouts`,
    allowNegative: false,
    metadata: { ledger: 'deals_payout', recipientId: id },
  };
}

/**
 * The `Idempotency-Key` of a task's transfer, or of opening a subject's account: a version-5 UUID of what
 * it is about, so a task performed again (a crash, a timeout, balance down) sends the same key.
 */
export function ledgerIdempotencyKey(
  what: { readonly task: string } | { readonly account: LedgerSubject },
): string {
  return 'task' in what
    ? nameBasedUuid(`deals-ledger\ntransfer\n${what.task}`)
    : nameBasedUuid(`deals-ledger\naccount\n${what.account}`);
}

/** Delays between attempts of a task grow to this cap: balance is retried every few minutes at most. */
export const LEDGER_TASK_BACKOFF = { baseMs: 1_000, capMs: 5 * 60_000 } as const;
/** After this many attempts a task is shown to operators as stuck; it keeps being retried. */
export const LEDGER_TASK_STUCK_AFTER = 10;
