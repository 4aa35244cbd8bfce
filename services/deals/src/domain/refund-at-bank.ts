/**
 * How a refund is carried out at the bank, as one pure decision taken again after every call: given what
 * the bank's deal looks like now and what it must look like after the refund, the next call to make.
 * The worker reads the bank's deal, asks `nextRefundStep`, makes that one call, and asks again, so a crash
 * between any two calls resumes from wherever the bank got to, and nothing is done twice (ADR 0035).
 *
 * The bank has no refund of a held deal. What it offers: cancelling an ACCEPTED deal (the holds go back to
 * the deponents' virtual accounts), and putting an ACCEPTED deal back to DRAFT (the holds are released) to
 * edit its steps, deponents and recipients and accept it again, holding less. Both only before any payout
 * was attempted; after one, an operator must return the money.
 */

/** The bank's deal, as far as a refund looks at it (the bank client's shape, structurally). */
export interface BankDealNow {
  readonly status: string;
  readonly steps: ReadonlyArray<{
    readonly stepId: string;
    readonly status: string;
    readonly deponents: ReadonlyArray<{ readonly beneficiaryId: string; readonly amount: bigint }>;
    readonly recipients: ReadonlyArray<{
      readonly recipientId: string;
      readonly beneficiaryId: string;
      readonly amount: bigint;
      readonly purpose: string;
      readonly bankDetailsId: string | null;
      /** Kept on the beneficiary's virtual account (a self-employed recipient's share, ADR 0034). */
      readonly keepOnVirtualAccount: boolean;
    }>;
  }>;
}

/** One refunded milestone as the refund leaves it, with where deals' mirror says it is at the bank. */
export interface RefundedStep {
  readonly milestoneId: string;
  /** The bank's step of the milestone; null if it never had one (nothing to change there). */
  readonly stepId: string | null;
  /** The milestone's amount after the refund: what its deponent puts in. 0: the step goes. */
  readonly amount: bigint;
  readonly payouts: ReadonlyArray<{
    readonly payoutId: string;
    /** The bank's recipient the mirror names for the payout; null if it had none (an amount of 0). */
    readonly bankRecipientId: string | null;
    readonly amount: bigint;
  }>;
}

export interface RefundTarget {
  /** Every milestone left unreleased by the refund is 0: the whole deal goes back, so it is cancelled. */
  readonly full: boolean;
  readonly steps: readonly RefundedStep[];
}

export type RefundStep =
  | { readonly kind: 'done' }
  | { readonly kind: 'needs_operator'; readonly reason: string }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'draft' }
  | { readonly kind: 'delete_step'; readonly stepId: string }
  | {
      readonly kind: 'put_deponent';
      readonly stepId: string;
      readonly beneficiaryId: string;
      readonly amount: bigint;
    }
  | {
      /** A recipient's amount cannot be changed at the bank: a new one replaces it (then the old goes). */
      readonly kind: 'replace_recipient';
      readonly stepId: string;
      readonly milestoneId: string;
      readonly payoutId: string;
      readonly beneficiaryId: string;
      readonly amount: bigint;
      readonly purpose: string;
      readonly bankDetailsId: string | null;
      /** The replacement keeps where the share goes: out to bank details, or on the virtual account. */
      readonly keepOnVirtualAccount: boolean;
    }
  | { readonly kind: 'delete_recipient'; readonly stepId: string; readonly recipientId: string }
  | { readonly kind: 'accept' };

/** The reason code of a refund the bank cannot make: a task ends with it, operators see it. */
export const REFUND_NEEDS_OPERATOR = 'refund_needs_operator';

/**
 * The next call that brings the bank's deal to the refund's target, or `done` when it is there.
 *
 * @example
 * nextRefundStep({ status: 'ACCEPTED', steps }, { full: true, steps: [] }) // { kind: 'cancel' }
 */
export function nextRefundStep(bank: BankDealNow, target: RefundTarget): RefundStep {
  // A partial refund always changes a milestone; one naming none was written before its milestones were
  // kept with it, and is not guessed.
  if (!target.full && target.steps.length === 0)
    return { kind: 'needs_operator', reason: `${REFUND_NEEDS_OPERATOR}: the refund names no milestones` };
  if (target.full && bank.status === 'CANCELLED') return { kind: 'done' };
  const started = bank.steps.find((s) => s.status !== 'NEW');
  if (started || (bank.status !== 'ACCEPTED' && bank.status !== 'DRAFT'))
    return {
      kind: 'needs_operator',
      reason: started
        ? `${REFUND_NEEDS_OPERATOR}: a payout was already attempted at the bank (step ${started.stepId} is ${started.status}); the bank can no longer reduce or cancel the deal`
        : `${REFUND_NEEDS_OPERATOR}: the bank's deal is ${bank.status}; the bank can no longer reduce or cancel it`,
    };
  if (target.full) return { kind: 'cancel' };
  if (bank.status === 'ACCEPTED') return edit(bank, target) ? { kind: 'draft' } : { kind: 'done' };
  return edit(bank, target) ?? { kind: 'accept' };
}

/** The first edit the DRAFT deal still needs, or undefined when its steps are what the refund leaves. */
function edit(bank: BankDealNow, target: RefundTarget): RefundStep | undefined {
  for (const t of target.steps) {
    if (t.stepId === null) continue;
    const step = bank.steps.find((s) => s.stepId === t.stepId);
    if (!step) continue; // deleted by an earlier attempt, or never there
    if (t.amount === 0n) return { kind: 'delete_step', stepId: step.stepId };
    for (const d of step.deponents)
      if (d.amount !== t.amount)
        return {
          kind: 'put_deponent',
          stepId: step.stepId,
          beneficiaryId: d.beneficiaryId,
          amount: t.amount,
        };
    const kept = new Set<string>();
    for (const p of t.payouts) {
      if (p.bankRecipientId === null || p.amount === 0n) continue;
      const r = step.recipients.find((x) => x.recipientId === p.bankRecipientId);
      if (!r) throw new Error(`payout ${p.payoutId} names recipient ${p.bankRecipientId}, not in its step`);
      kept.add(r.recipientId);
      if (r.amount !== p.amount)
        return {
          kind: 'replace_recipient',
          stepId: step.stepId,
          milestoneId: t.milestoneId,
          payoutId: p.payoutId,
          beneficiaryId: r.beneficiaryId,
          amount: p.amount,
          purpose: r.purpose,
          bankDetailsId: r.bankDetailsId,
          keepOnVirtualAccount: r.keepOnVirtualAccount,
        };
    }
    // What no payout names any more: a replaced recipient, or a payout whose share fell to 0.
    const stale = step.recipients.find((r) => !kept.has(r.recipientId));
    if (stale) return { kind: 'delete_recipient', stepId: step.stepId, recipientId: stale.recipientId };
  }
  return undefined;
}
