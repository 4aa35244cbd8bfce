import { nameBasedUuid } from '@strongbox/kernel';
import type { Deal } from './deal.ts';
import type { DealEvent } from './events.ts';
import { evolve } from './evolve.ts';

/**
 * What the deals service must ask the bank to do because of an event. A command never calls the bank
 * (the bank may be slow or down while a user waits); it records its event, and the event's bank task is
 * written in the same transaction. A worker performs the tasks, one deal's tasks in the order of its events.
 */
export type BankTask =
  /** Open the deal at the bank: the deal, one step per milestone, the payer as deponent, the recipients. */
  | { readonly kind: 'register_deal' }
  /** The payer's money is identified: accept the deal, so the bank holds it. */
  | { readonly kind: 'accept_deal' }
  /** A milestone is released: complete its step, so the bank pays its recipients. */
  | { readonly kind: 'pay_milestone'; readonly milestoneId: string }
  /** A failed payout's recipient has new bank details: ask the bank to pay it again. */
  | { readonly kind: 'retry_payout'; readonly milestoneId: string; readonly payoutId: string }
  /** The deal was cancelled after it reached the bank: cancel it there, which frees the held money. */
  | { readonly kind: 'cancel_at_bank' }
  /**
   * Part or all of the held money goes back to the payer's virtual account at the bank (ADR 0035): `full`
   * when nothing of the deal is left to pay (the bank's deal is cancelled), otherwise the unreleased
   * milestones' amounts and splits after the refund, as the `deal.refunded` event carries them.
   */
  | {
      readonly kind: 'refund';
      readonly amount: bigint;
      readonly full: boolean;
      readonly milestones: RefundedMilestones;
    }
  /**
   * A payout profile was saved: make it a beneficiary at the bank with its bank details and follow its
   * scoring. Not caused by a deal's event: its subject is the profile, and the deals naming it wait for it.
   */
  | { readonly kind: 'register_recipient'; readonly recipientId: string };

export type BankTaskKind = BankTask['kind'];

export type RefundedMilestones = Extract<DealEvent, { type: 'deal.refunded' }>['milestones'];

/** A task with the key that makes it unique: the event that caused it, and which of its tasks it is. */
export interface KeyedBankTask {
  readonly key: string;
  readonly task: BankTask;
}

/**
 * The bank tasks an event causes, given the deal as it was before the event. Pure: the same event always
 * yields the same tasks with the same keys, so recording them twice (a retried transaction) writes one.
 *
 * @example
 * bankTasksFor({ type: 'deal.funded', ... }, 'evt_1', deal) // [{ key: 'evt_1/accept_deal', task: { kind: 'accept_deal' } }]
 */
export function bankTasksFor(event: DealEvent, eventId: string, before: Deal | null): KeyedBankTask[] {
  const task = taskOf(event, before);
  return task ? [{ key: `${eventId}/${task.kind}`, task }] : [];
}

/**
 * The task that registers a saved payout profile at the bank. Each save is its own task (its key names the
 * save's time), so new bank details are sent again; a save replayed by its Idempotency-Key writes none.
 */
export function recipientTaskFor(recipientId: string, savedAt: Date): KeyedBankTask {
  return {
    key: `${recipientId}@${savedAt.toISOString()}/register_recipient`,
    task: { kind: 'register_recipient', recipientId },
  };
}

function taskOf(event: DealEvent, before: Deal | null): BankTask | undefined {
  switch (event.type) {
    case 'deal.submitted':
      return { kind: 'register_deal' };
    case 'deal.funded':
      return { kind: 'accept_deal' };
    case 'deal.milestone_released':
      return { kind: 'pay_milestone', milestoneId: event.milestoneId };
    case 'deal.payout_retried':
      return { kind: 'retry_payout', milestoneId: event.milestoneId, payoutId: event.payoutId };
    case 'deal.cancelled':
      // A draft never reached the bank. A submitted deal may be on its way there (its register task may
      // be running): the cancel task runs after it, in the deal's order, and finds the bank's deal.
      return before !== null && before.status !== 'draft' ? { kind: 'cancel_at_bank' } : undefined;
    case 'deal.refunded': {
      // Nothing left to pay and nothing paid: the whole deal goes back, so the bank's deal is cancelled.
      const full = before !== null && evolve(before, event).status === 'refunded';
      return { kind: 'refund', amount: event.amount, full, milestones: event.milestones };
    }
    case 'deal.created':
    // A draft's revision stays in deals: the bank sees the terms only when the deal is submitted.
    case 'deal.revised':
    case 'deal.registered_at_bank':
    case 'deal.milestone_confirmed':
    case 'deal.payout_completed':
    case 'deal.payout_failed':
    // Holds, resumptions and receipts are the self-employed payout worker's own, from its table.
    case 'deal.payout_held':
    case 'deal.payout_resumed':
    case 'deal.receipt_updated':
    case 'deal.receipt_cancelled':
    case 'deal.disputed':
    case 'deal.dispute_resolved':
    case 'deal.refund_needs_operator':
    case 'deal.completed':
      return undefined;
    default: {
      const unreachable: never = event;
      throw new Error(`unknown deal event ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * The `Idempotency-Key` of one bank call of a task: a UUID (the bank's keys are UUIDs) derived from the
 * task's key and the call's name. A task performed again after a crash or a timeout sends the same keys,
 * so the bank answers what it answered the first time instead of doing it twice.
 *
 * @example
 * bankIdempotencyKey('evt_1/register_deal', 'create-deal') // a version-5 UUID, the same every time
 */
export function bankIdempotencyKey(taskKey: string, call: string): string {
  return nameBasedUuid(`${taskKey}\n${call}`);
}

/** Delays between attempts of a task grow to this cap: the bank is retried every few minutes at most. */
export const BANK_TASK_BACKOFF = { baseMs: 1_000, capMs: 5 * 60_000 } as const;
/** After this many attempts a task is shown to operators as stuck; it keeps being retried. */
export const BANK_TASK_STUCK_AFTER = 10;
