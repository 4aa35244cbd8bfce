import type { Clock } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';
import { recipientTaskFor } from './domain/bank-tasks.ts';
import type { BankTaskQueue, DealStore } from './features/bank-tasks/ports.ts';
import type { LedgerAccounts, LedgerTaskQueue } from './features/ledger-tasks/ports.ts';
import {
  claimBankTasks,
  completeBankTask,
  enqueueSubjectTasks,
  handOverBankTask,
  rescheduleBankTask,
} from './infra/bank-tasks.ts';
import {
  type CommandInput,
  type CommandOutcome,
  executeDealCommand,
  loadDeal,
} from './infra/deal-commands.ts';
import { findLedgerAccount, keepLedgerAccount } from './infra/ledger-accounts.ts';
import { claimLedgerTasks, completeLedgerTask, rescheduleLedgerTask } from './infra/ledger-tasks.ts';
import { MIGRATIONS } from './infra/migrations.ts';

/** The bank-task queue in the deals schema. */
export function bankTaskQueue(pool: Pool): BankTaskQueue {
  return {
    claim: (now, leaseUntil, limit) => claimBankTasks(pool, now, leaseUntil, limit),
    complete: (seq, at) => completeBankTask(pool, seq, at),
    reschedule: (seq, next, error) => rescheduleBankTask(pool, seq, next, error),
    handOver: (seq, reason) => handOverBankTask(pool, seq, reason),
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

/** Deals' own client of balance (ADR 0031), for the app and for the ledger tests. */
export { balanceClient, type DealsBalanceClient } from './infra/balance-client.ts';

/** The deals schema's migrations, for main and for tests. */
export const DEALS_MIGRATIONS = MIGRATIONS;

/** The ledger-task queue in the deals schema (ADR 0031). */
export function ledgerTaskQueue(pool: Pool): LedgerTaskQueue {
  return {
    claim: (now, leaseUntil, limit) => claimLedgerTasks(pool, now, leaseUntil, limit),
    complete: (seq, at, transferId) => completeLedgerTask(pool, seq, at, transferId),
    reschedule: (seq, next, error) => rescheduleLedgerTask(pool, seq, next, error),
  };
}

/** Which balance account each ledger subject is, kept in the deals schema. */
export function ledgerAccounts(pool: Pool): LedgerAccounts {
  return {
    find: (subject) => findLedgerAccount(pool, subject),
    keep: (subject, accountId, at) => keepLedgerAccount(pool, subject, accountId, at),
  };
}

/** Reconciliation's lock and findings in the deals schema (ADR 0033), for the app and for tests. */
export { reconciliationLock, reconciliationStore } from './infra/reconciliation.ts';
