import { backoffMs, type Clock, type Logger } from '@strongbox/kernel';
import {
  accountSpecOf,
  LEDGER_TASK_BACKOFF,
  type LedgerSubject,
  ledgerIdempotencyKey,
} from '../../domain/ledger-tasks.ts';
import type { DealLedger, HeldLedgerTask, LedgerAccounts, LedgerTaskQueue } from './ports.ts';

/** Upper bound of tasks one round takes. */
export const LEDGER_TASKS_PER_ROUND_MAX = 50;
/** How long a claimed task is ours: well above the balance client's timeout with its retries. */
export const LEDGER_TASK_LEASE_MS = 60_000;

export interface LedgerTaskDeps {
  readonly tasks: LedgerTaskQueue;
  readonly accounts: LedgerAccounts;
  readonly ledger: DealLedger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
}

/**
 * One round of the ledger worker: claims due tasks and makes each one's transfer in balance, opening the
 * accounts it names on first use. The task is marked done only after balance answered, so a crash in
 * between makes the transfer again under the same Idempotency-Key and balance replays its first answer. A
 * failure leaves the task pending with a growing delay: balance being down delays the mirror, it never
 * drops a movement. Answers how many tasks were done.
 */
export async function runLedgerTasks(
  deps: LedgerTaskDeps,
  limit = LEDGER_TASKS_PER_ROUND_MAX,
): Promise<number> {
  const now = deps.clock.now();
  const claimed = await deps.tasks.claim(now, new Date(now.getTime() + LEDGER_TASK_LEASE_MS), limit);
  let done = 0;
  for (const task of claimed) {
    try {
      const transferId = await perform(deps, task);
      await deps.tasks.complete(task.seq, deps.clock.now(), transferId);
      done++;
    } catch (err) {
      const delay = backoffMs(task.attempt, LEDGER_TASK_BACKOFF, deps.random);
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      deps.logger.warn(
        { dealId: task.dealId, task: task.key, attempt: task.attempt, reason },
        'ledger task failed; retrying',
      );
      await deps.tasks.reschedule(task.seq, new Date(deps.clock.now().getTime() + delay), reason);
    }
  }
  return done;
}

async function perform(deps: LedgerTaskDeps, held: HeldLedgerTask): Promise<string> {
  const traceId = held.traceId ?? ledgerIdempotencyKey({ task: held.key }).replaceAll('-', '');
  const { task } = held;
  const debitAccountId = await accountOf(deps, task.from, traceId);
  const creditAccountId = await accountOf(deps, task.to, traceId);
  return deps.ledger.transfer(
    {
      debitAccountId,
      creditAccountId,
      amount: task.amount,
      description: `Deal ${held.dealId}: ${task.kind.replaceAll('_', ' ')}`,
      metadata: { dealId: held.dealId, ledgerTask: held.key },
    },
    ledgerIdempotencyKey({ task: held.key }),
    traceId,
  );
}

/** The subject's balance account: the one kept, or a new one opened under the subject's own key. */
async function accountOf(deps: LedgerTaskDeps, subject: LedgerSubject, traceId: string): Promise<string> {
  const known = await deps.accounts.find(subject);
  if (known !== undefined) return known;
  const opened = await deps.ledger.openAccount(
    accountSpecOf(subject),
    ledgerIdempotencyKey({ account: subject }),
    traceId,
  );
  return deps.accounts.keep(subject, opened, deps.clock.now());
}
