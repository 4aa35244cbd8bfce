import type { BankClient } from '@strongbox/bank-client';
import type { Clock, Logger } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { BackgroundWorker, PeriodicJobSpec } from '@strongbox/service';
import client, { type Registry } from 'prom-client';
import { BANK_TASK_BACKOFF, BANK_TASK_STUCK_AFTER } from './domain/bank-tasks.ts';
import { runFunding } from './features/bank-funding/job.ts';
import {
  drainNotifications,
  followStep,
  processNotifications,
} from './features/bank-notification-processing/job.ts';
import { followPayouts } from './features/bank-payouts/job.ts';
import type { BankTaskDeps } from './features/bank-tasks/handler.ts';
import { bankTaskWorker } from './features/bank-tasks/worker.ts';
import type { ReconciliationReport } from './features/reconciliation/job.ts';
import type { LedgerReader } from './features/reconciliation/ports.ts';
import { runSelfEmployedPayouts } from './features/self-employed-payouts/job.ts';
import { dealBank } from './infra/bank-adapter.ts';
import { incomingBank } from './infra/bank-incoming.ts';
import { payoutWatch } from './infra/bank-payout-watch.ts';
import { pendingBankTasks } from './infra/bank-tasks.ts';
import { notificationOutcomes } from './infra/notification-outcomes.ts';
import { npdPayoutStore, npdPayoutsStuck } from './infra/npd-payouts.ts';
import { selfEmployedBank } from './infra/self-employed-bank.ts';
import { type ReconcileSettings, reconciliationParts } from './reconciliation-parts.ts';
import { bankTaskQueue, dealStore } from './wiring.ts';

/** How deals reaches the bank: the client (BANK_URL, BANK_API_TOKEN), the nominal account, the pace. */
export interface DealsBank {
  readonly client: BankClient;
  /** Where the client's retries and circuit moves are counted (the client's onEvent), if anywhere. */
  readonly clientMetrics?: { register(registry: Registry): void };
  readonly nominalAccount: string;
  /** What payers are shown beside the nominal account's number (BANK_NOMINAL_BIK, BANK_NAME, DEALS_PAYEE_*). */
  readonly payee?: {
    readonly bik: string | null;
    readonly bankName: string | null;
    readonly payeeName: string | null;
    readonly payeeInn: string | null;
  };
  /** The bank-task worker's wait when a round found nothing to do. */
  readonly tasksPollMs: number;
  /** The funding job's and the payout follower's cron schedule. */
  readonly jobsSchedule: string;
  /** The longest wait between a bank task's attempts (BANK_TASK_BACKOFF's cap unless given). */
  readonly retryCapMs?: number;
  /** Reconciliation's pace (RECONCILE_DEFAULTS unless given). */
  readonly reconcile?: Partial<ReconcileSettings>;
}

export interface BankParts {
  readonly tasks: BankTaskDeps;
  readonly workers: readonly BackgroundWorker[];
  readonly periodicJobs: readonly PeriodicJobSpec[];
  /** Runs of each job as the kit would run them (tests drive them directly). */
  readonly fundOnce: () => Promise<number>;
  readonly followOnce: () => Promise<number>;
  readonly notificationsOnce: () => Promise<number>;
  /** One reconciliation run (under its lock, as the interval runs it). */
  readonly reconcileOnce: () => Promise<ReconciliationReport>;
  readonly selfEmployedOnce: () => Promise<number>;
}

/** How soon the self-employed worker asks the bank again about a payment or a call under way. */
export const NPD_POLL_MS = 1_000;
/** An issued receipt is read again every 6 hours for 30 days after the payout, to catch an annulment. */
export const RECEIPT_WATCH_EVERY_MS = 6 * 3_600_000;
export const RECEIPT_WATCH_FOR_MS = 30 * 86_400_000;

/**
 * Everything that moves a deal's money through the bank: the bank-task worker (beneficiaries, deals,
 * accept, pay, retry, cancel), the funding job (incoming money identified to its deal), the payout
 * follower (the bank's payments back onto the deals) and the processor of logged notifications (which
 * asks the bank at once about the step a notification names). The jobs are leader-locked by the kit.
 */
export function bankParts(deps: {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  bank: DealsBank;
  /** Balance's escrows, for reconciliation; without it only states are reconciled. */
  ledger?: LedgerReader | undefined;
}): BankParts {
  const { pool, clock, logger } = deps;
  const deals = dealStore(pool, clock);
  const unmatched = new client.Counter({
    name: 'deals_incoming_unmatched_total',
    help: 'Incoming bank money left unidentified because it matched no deal awaiting it, by reason',
    labelNames: ['reason'],
    registers: [deps.registry],
  });
  // Read at each scrape, so every instance reports the same queue (it is shared in PostgreSQL).
  new client.Gauge({
    name: 'deals_bank_tasks_pending',
    help: `Bank tasks not done yet; stuck="true" for those past ${BANK_TASK_STUCK_AFTER} attempts`,
    labelNames: ['stuck'],
    registers: [deps.registry],
    async collect() {
      const { pending, stuck } = await pendingBankTasks(pool, BANK_TASK_STUCK_AFTER);
      this.labels('false').set(pending - stuck);
      this.labels('true').set(stuck);
    },
  });
  const tasks: BankTaskDeps = {
    tasks: bankTaskQueue(pool),
    deals,
    clock,
    logger,
    random: Math.random,
    ...(deps.bank.retryCapMs === undefined
      ? {}
      : { backoff: { baseMs: BANK_TASK_BACKOFF.baseMs, capMs: deps.bank.retryCapMs } }),
    bank: dealBank({ pool, clock, bank: deps.bank.client, nominalAccount: deps.bank.nominalAccount }),
  };
  const fundOnce = () =>
    runFunding({
      incoming: incomingBank({ pool, clock, bank: deps.bank.client }),
      deals,
      logger,
      onUnmatched: (reason) => unmatched.labels(reason).inc(),
    });
  const watch = payoutWatch({ pool, bank: deps.bank.client });
  const followOnce = () => followPayouts({ watch, deals, logger });
  const outcomes = notificationOutcomes(pool);
  const notificationsOnce = () =>
    processNotifications({ watch, deals, logger, clock, random: Math.random, outcomes });
  const reconciliation = reconciliationParts({
    pool,
    clock,
    logger,
    registry: deps.registry,
    bank: deps.bank.client,
    followStep: (stepId) => followStep({ watch, deals, logger }, stepId),
    ledger: deps.ledger,
    settings: deps.bank.reconcile,
  });
  const backoff = {
    baseMs: BANK_TASK_BACKOFF.baseMs,
    capMs: deps.bank.retryCapMs ?? BANK_TASK_BACKOFF.capMs,
  };
  const selfEmployedOnce = () =>
    runSelfEmployedPayouts({
      store: npdPayoutStore(pool),
      bank: selfEmployedBank({ pool, bank: deps.bank.client, clock }),
      deals,
      clock,
      logger,
      random: Math.random,
      backoff,
      pollMs: NPD_POLL_MS,
      receiptWatchEveryMs: RECEIPT_WATCH_EVERY_MS,
      receiptWatchForMs: RECEIPT_WATCH_FOR_MS,
    });
  new client.Gauge({
    name: 'deals_self_employed_payouts',
    help: 'Payouts held (npd_not_active, npd_year_limit) and receipts annulled after they were issued',
    labelNames: ['state'],
    registers: [deps.registry],
    async collect() {
      const { held, cancelled } = await npdPayoutsStuck(pool);
      this.labels('held').set(held);
      this.labels('receipt_cancelled').set(cancelled);
    },
  });
  const job = (name: string, run: () => Promise<number>): PeriodicJobSpec => ({
    name: `deals:${name}`,
    pattern: deps.bank.jobsSchedule,
    run: async () => {
      await run();
    },
    onError: (err) => logger.warn({ err }, `deals ${name} run failed; the next run tries again`),
  });
  return {
    tasks,
    workers: [bankTaskWorker(tasks, deps.bank.tasksPollMs), reconciliation.worker],
    periodicJobs: [
      job('funding', fundOnce),
      job('payouts', followOnce),
      job('notifications', () => drainNotifications(notificationsOnce)),
      job('self-employed', selfEmployedOnce),
    ],
    fundOnce,
    followOnce,
    notificationsOnce,
    reconcileOnce: reconciliation.reconcileOnce,
    selfEmployedOnce,
  };
}
