import type { Clock } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';
import { recipientTaskFor } from './domain/bank-tasks.ts';
import type { BankTaskQueue, DealStore } from './features/bank-tasks/ports.ts';
import {
  claimBankTasks,
  completeBankTask,
  enqueueSubjectTasks,
  rescheduleBankTask,
} from './infra/bank-tasks.ts';
import {
  type CommandInput,
  type CommandOutcome,
  executeDealCommand,
  loadDeal,
} from './infra/deal-commands.ts';
import { MIGRATIONS } from './infra/migrations.ts';

/** The bank-task queue in the deals schema. */
export function bankTaskQueue(pool: Pool): BankTaskQueue {
  return {
    claim: (now, leaseUntil, limit) => claimBankTasks(pool, now, leaseUntil, limit),
    complete: (seq, at) => completeBankTask(pool, seq, at),
    reschedule: (seq, next, error) => rescheduleBankTask(pool, seq, next, error),
  };
}

/** Queues a payout profile's registration at the bank, as saving the profile does (for tests). */
export async function queueProfileRegistration(pool: Pool, recipientId: string, at: Date): Promise<void> {
  await withTransaction(pool, (tx) =>
    enqueueSubjectTasks(
      tx,
      { subjectId: recipientId, dealId: null },
      [recipientTaskFor(recipientId, at)],
      at,
      undefined,
    ),
  );
}

/** Deals folded from the event store, changed by commands of the system. */
export function dealStore(pool: Pool, clock: Clock): DealStore {
  return {
    load: (dealId) => loadDeal(pool, dealId),
    async record(dealId, command, traceId) {
      const outcome = await executeDealCommand(
        { pool, clock },
        { dealId, command, actor: { kind: 'system' }, ...(traceId ? { traceId } : {}) },
      );
      return outcome.ok ? {} : { refused: outcome.code };
    },
  };
}

/** Every command, as the HTTP features and the tests run them. */
export function dealCommands(pool: Pool, clock: Clock): (input: CommandInput) => Promise<CommandOutcome> {
  return (input) => executeDealCommand({ pool, clock }, input);
}

/** The deals schema's migrations, for main and for tests. */
export const DEALS_MIGRATIONS = MIGRATIONS;
