import type { Deal, DealStatus } from './deal.ts';
import type { DealCommand } from './decide.ts';

/**
 * Reconciliation's pure decisions (ADR 0033): what the bank's answer says is different from deals, how a
 * difference is named so it is recorded once, and which open findings a run closes. No I/O here.
 */

/** How often the job runs and how long something must have waited for the bank before it is asked. */
export const RECONCILE_INTERVAL_MS = 5 * 60_000;
export const RECONCILE_AFTER_MS = 10 * 60_000;
/** How many deals (and, separately, steps) one run asks the bank about at most. */
export const RECONCILE_BATCH_MAX = 1_000;

export type FindingKind = 'deal_state' | 'escrow_balance' | 'virtual_account_balance';

/** The bank's deal statuses and step statuses, as the bank names them. */
export type BankDealStatus = 'DRAFT' | 'ACCEPTED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
export type BankStepStatus = 'NEW' | 'PAYMENT_IN_PROGRESS' | 'PAYMENT_FAILED' | 'COMPLETED' | 'CANCELLED';

export interface BankDealAnswer {
  readonly status: BankDealStatus;
  readonly steps: ReadonlyArray<{
    readonly status: BankStepStatus;
    readonly deponents: ReadonlyArray<{ readonly amount: bigint }>;
  }>;
}

/** One side of a difference: a status (deal_state) or an amount in minor units (the balances). */
export type Side = { readonly status: string } | { readonly amount: bigint };

export interface Difference {
  readonly kind: FindingKind;
  /** A deal's id, or `payer:<user id>` for a payer's virtual account. */
  readonly subject: string;
  readonly dealId: string | null;
  readonly ours: Side;
  readonly bank: Side;
  readonly detail: string;
}

/**
 * What the bank holds for a deal: an accepted deal holds each deponent's amount of every step not yet
 * paid out (a step leaves the hold once completed); a draft or cancelled deal holds nothing.
 */
export function bankHeld(deal: BankDealAnswer): bigint {
  if (deal.status !== 'ACCEPTED' && deal.status !== 'IN_PROGRESS') return 0n;
  let held = 0n;
  for (const s of deal.steps) if (s.status === 'NEW') for (const d of s.deponents) held += d.amount;
  return held;
}

const CANCELLED_HERE: ReadonlySet<DealStatus> = new Set(['cancelled', 'refunded']);

/**
 * The differences between a deal and the bank's answer about it: its state (cancelled or completed on
 * one side only) and, when the ledger was read, its escrow in balance against what the bank holds for it.
 * Called only for a deal with nothing in flight (no pending bank or ledger task), so every difference is
 * one that waiting would not remove.
 */
export function dealDifferences(
  deal: Deal,
  bank: BankDealAnswer | undefined,
  escrow: bigint | undefined,
): Difference[] {
  if (!bank)
    return [
      {
        kind: 'deal_state',
        subject: deal.id,
        dealId: deal.id,
        ours: { status: deal.status },
        bank: { status: 'NOT_FOUND' },
        detail: `the bank does not know deal ${deal.bankDealId ?? '(none)'}`,
      },
    ];
  const out: Difference[] = [];
  const state = (detail: string): Difference => ({
    kind: 'deal_state',
    subject: deal.id,
    dealId: deal.id,
    ours: { status: deal.status },
    bank: { status: bank.status },
    detail,
  });
  if (bank.status === 'CANCELLED' && !CANCELLED_HERE.has(deal.status))
    out.push(state('the bank cancelled the deal; deals has not'));
  else if (bank.status !== 'CANCELLED' && deal.status === 'cancelled')
    out.push(state('deals cancelled the deal; the bank has not'));
  else if (bank.status === 'COMPLETED' && deal.status !== 'completed')
    out.push(state('the bank completed the deal; deals has not'));
  else if (bank.status !== 'COMPLETED' && deal.status === 'completed')
    out.push(state('deals completed the deal; the bank has not'));
  const held = bankHeld(bank);
  if (escrow !== undefined && escrow !== held)
    out.push({
      kind: 'escrow_balance',
      subject: deal.id,
      dealId: deal.id,
      ours: { amount: escrow },
      bank: { amount: held },
      detail: `escrow:${deal.id} in balance is ${escrow}, the bank holds ${held} for the deal`,
    });
  return out;
}

/**
 * A payer's virtual account at the bank holds exactly the money of their deals' escrows: identified money
 * waits there for its deal, and accepting the deal holds it there until its steps are paid out.
 */
export function payerDifference(
  payerId: string,
  escrows: bigint,
  bank: { readonly amount: bigint; readonly amountOnHold: bigint } | undefined,
): Difference | undefined {
  const atBank = bank ? bank.amount + bank.amountOnHold : 0n;
  if (atBank === escrows) return undefined;
  return {
    kind: 'virtual_account_balance',
    subject: `payer:${payerId}`,
    dealId: null,
    ours: { amount: escrows },
    bank: { amount: atBank },
    detail: `the payer's deals hold ${escrows} in balance, their virtual account at the bank has ${atBank}`,
  };
}

const sideKey = (s: Side) => ('status' in s ? s.status : `${s.amount}`);

/** Names a difference: the same difference found by two runs has the same key, a changed one does not. */
export function differenceKey(d: Difference): string {
  return `${d.kind}|${d.subject}|${sideKey(d.ours)}|${sideKey(d.bank)}`;
}

/**
 * What a run does with one subject it compared: each difference not open yet is recorded, each open finding
 * of the subject that the run no longer finds is closed, and the rest are seen again.
 */
export function settleFindings(
  open: ReadonlyArray<{ readonly seq: bigint; readonly key: string }>,
  found: readonly Difference[],
): { record: Difference[]; seen: bigint[]; close: bigint[] } {
  const foundKeys = new Set(found.map(differenceKey));
  const openKeys = new Set(open.map((f) => f.key));
  return {
    record: found.filter((d) => !openKeys.has(differenceKey(d))),
    seen: open.filter((f) => foundKeys.has(f.key)).map((f) => f.seq),
    close: open.filter((f) => !foundKeys.has(f.key)).map((f) => f.seq),
  };
}

/** What the bank says now about a deal, as reconciliation reads it. */
export interface BankState {
  readonly bankDealId: string | null;
  /** The incoming money identified to the deal's payer for it, if any. */
  readonly funding: { readonly incomingTransactionId: string; readonly amount: bigint } | null;
  /** The latest payment of each payout the bank started paying. */
  readonly payments: ReadonlyMap<string, { readonly status: PaymentOutcome; readonly reason: string | null }>;
}

export type PaymentOutcome = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

/** The command a payment's outcome is recorded as (the payout follower's and the notifications' rule). */
export function paymentCommand(
  payoutId: string,
  status: PaymentOutcome,
  reason: string | null,
): DealCommand | undefined {
  if (status === 'SUCCEEDED') return { kind: 'payout_completed', payoutId };
  if (status === 'FAILED')
    return { kind: 'payout_failed', payoutId, reason: reason ?? 'the bank did not say why' };
  return undefined;
}

/**
 * The next command that brings a deal to the bank's current state, or undefined once none does. Applied
 * until undefined, it replays what the bank's lost reports would have said: registered, funded, each
 * payout's latest outcome. Each is a command every report would also send, so applying it to a deal that
 * already got the report adds nothing.
 */
export function catchUpCommand(deal: Deal, bank: BankState): DealCommand | undefined {
  if (deal.status === 'submitted' && bank.bankDealId !== null)
    return { kind: 'registered_at_bank', bankDealId: bank.bankDealId };
  if (deal.status === 'awaiting_payment' && deal.fundedBy === null && bank.funding !== null)
    return { kind: 'fund', ...bank.funding };
  for (const m of deal.milestones) {
    if (m.status !== 'released') continue;
    for (const p of m.payouts) {
      const payment = bank.payments.get(p.id);
      if (!payment || p.status === 'paid') continue;
      if (payment.status === 'SUCCEEDED' || (payment.status === 'FAILED' && p.status !== 'failed'))
        return paymentCommand(p.id, payment.status, payment.reason);
    }
  }
  return undefined;
}
