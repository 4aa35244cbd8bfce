import { type BackoffPolicy, backoffMs, type Clock, type Logger } from '@strongbox/kernel';
import { BANK_TASK_BACKOFF, bankIdempotencyKey } from '../../domain/bank-tasks.ts';
import type { DealCommand } from '../../domain/decide.ts';
import {
  BankNotReady,
  type BankTaskQueue,
  type DealBank,
  type DealStore,
  type HeldBankTask,
} from './ports.ts';

/** Upper bound of tasks one round takes. */
export const BANK_TASKS_PER_ROUND_MAX = 50;
/** How long a claimed task is ours: well above the bank client's timeout with its retries. */
export const BANK_TASK_LEASE_MS = 120_000;

export interface BankTaskDeps {
  readonly tasks: BankTaskQueue;
  readonly deals: DealStore;
  readonly clock: Clock;
  readonly bank: DealBank;
  readonly logger: Logger;
  readonly random: () => number;
  /** The delays between a task's attempts; BANK_TASK_BACKOFF unless configured. */
  readonly backoff?: BackoffPolicy;
}

/**
 * One round of the bank-task worker: claims due tasks and performs each against the bank. What the bank
 * answers is recorded on the deal as a command of the system; the task is marked done only after that, so a
 * crash in between performs it again, with the same keys, and the command adds nothing the second time.
 * A failure leaves the task pending with a growing delay: a bank that is down delays deals, it never drops
 * one. Answers how many tasks were done.
 */
export async function runBankTasks(deps: BankTaskDeps, limit = BANK_TASKS_PER_ROUND_MAX): Promise<number> {
  const now = deps.clock.now();
  const claimed = await deps.tasks.claim(now, new Date(now.getTime() + BANK_TASK_LEASE_MS), limit);
  let done = 0;
  for (const task of claimed) {
    try {
      const handover = await perform(deps, task);
      if (handover) {
        deps.logger.warn(
          { dealId: task.dealId, task: task.key, reason: handover },
          'bank task needs an operator',
        );
        await deps.tasks.handOver(task.seq, handover);
        continue;
      }
      await deps.tasks.complete(task.seq, deps.clock.now());
      done++;
    } catch (err) {
      const delay = backoffMs(task.attempt, deps.backoff ?? BANK_TASK_BACKOFF, deps.random);
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      deps.logger.warn(
        { dealId: task.dealId, task: task.key, attempt: task.attempt, reason },
        'bank task failed; retrying',
      );
      await deps.tasks.reschedule(task.seq, new Date(deps.clock.now().getTime() + delay), reason);
    }
  }
  return done;
}

/** Performs one task; answers why an operator must take it over, when the bank cannot do it. */
async function perform(deps: BankTaskDeps, claimed: HeldBankTask): Promise<string | undefined> {
  const key = (call: string) => bankIdempotencyKey(claimed.key, call);
  if (claimed.task.kind === 'register_recipient') {
    const { scoring } = await deps.bank.registerRecipient(claimed.task.recipientId, key);
    // Followed until the bank decides: deals naming the profile wait for it. A FAILED scoring is final
    // here (operators see it on the profile); the deal's own task reports why it cannot go on.
    if (scoring === 'IN_PROGRESS') throw new BankNotReady('the bank is still scoring the beneficiary');
    return;
  }
  const deal = await deps.deals.load(claimed.dealId);
  if (!deal) throw new Error(`bank task ${claimed.key} names deal ${claimed.dealId}, which has no events`);
  const task = claimed.task;
  switch (task.kind) {
    case 'register_deal': {
      // Already there, or cancelled before its turn came: a cancelled deal is never opened at the bank.
      if (deal.bankDealId !== null || deal.status === 'cancelled') return;
      const { bankDealId } = await deps.bank.registerDeal(deal, key);
      return void (await record(deps, claimed, { kind: 'registered_at_bank', bankDealId }));
    }
    case 'accept_deal':
      return void (await deps.bank.acceptDeal(deal, key));
    case 'pay_milestone':
      return void (await deps.bank.payMilestone(deal, task.milestoneId, key));
    case 'retry_payout':
      return void (await deps.bank.retryPayout(deal, task.payoutId, key));
    case 'cancel_at_bank':
      // Cancelled before the bank ever registered it (the register task failed for good): nothing there.
      if (deal.bankDealId === null) return;
      return void (await deps.bank.cancelDeal(deal, key));
    case 'refund': {
      const outcome = await deps.bank.refund(deal, task, key);
      if (outcome.kind === 'refunded') return;
      // On the deal first (the operators' queue shows it), then the task ends: a crash in between finds
      // the bank unchanged, and the deal adds nothing the second time.
      await record(deps, claimed, {
        kind: 'refund_needs_operator',
        amount: task.amount,
        reason: outcome.reason,
      });
      return outcome.reason;
    }
    default: {
      const unreachable: never = task;
      throw new Error(`unknown bank task ${JSON.stringify(unreachable)}`);
    }
  }
}

async function record(deps: BankTaskDeps, claimed: HeldBankTask, command: DealCommand): Promise<void> {
  const { refused } = await deps.deals.record(claimed.dealId, command, claimed.traceId);
  if (refused) throw new Error(`the deal refused ${command.kind} after the bank did it: ${refused}`);
}
