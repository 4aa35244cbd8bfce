import { BANK_RATE_PER_S, type BankClient } from '@strongbox/bank-client';
import type { Clock, Logger } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { BackgroundWorker } from '@strongbox/service';
import client, { type Registry } from 'prom-client';
import { RECONCILE_AFTER_MS, RECONCILE_BATCH_MAX, RECONCILE_INTERVAL_MS } from './domain/reconciliation.ts';
import { type ReconciliationReport, reconcileOnce } from './features/reconciliation/job.ts';
import type { LedgerReader } from './features/reconciliation/ports.ts';
import {
  openFindingCounts,
  reconciliationBank,
  reconciliationLock,
  reconciliationStore,
} from './infra/reconciliation.ts';
import { dealStore } from './wiring.ts';

/** How reconciliation runs (DEALS_RECONCILE_INTERVAL_MS, _AFTER_MS, _BATCH_MAX, and the bank client's rate). */
export interface ReconcileSettings {
  readonly intervalMs: number;
  readonly afterMs: number;
  readonly batchMax: number;
  /** The least time between two bank calls of a run: 1000 / BANK_CLIENT_RATE_LIMIT_PER_S (job.ts says why). */
  readonly paceMs: number;
}

export const RECONCILE_DEFAULTS: ReconcileSettings = {
  intervalMs: RECONCILE_INTERVAL_MS,
  afterMs: RECONCILE_AFTER_MS,
  batchMax: RECONCILE_BATCH_MAX,
  paceMs: 1_000 / BANK_RATE_PER_S,
};

/**
 * Reconciliation (ADR 0033): one run every `intervalMs` on every instance, of which only the holder of the
 * advisory lock does anything; its findings counted by kind, and the open ones read at each scrape.
 */
export function reconciliationParts(deps: {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  bank: BankClient;
  /** The notification processor's step follower: reconciliation applies the bank's answer through it. */
  followStep: (bankStepId: string) => Promise<number>;
  ledger?: LedgerReader | undefined;
  settings?: Partial<ReconcileSettings> | undefined;
}): { worker: BackgroundWorker; reconcileOnce: () => Promise<ReconciliationReport> } {
  const settings = { ...RECONCILE_DEFAULTS, ...deps.settings };
  const recorded = new client.Counter({
    name: 'deals_reconciliation_findings_total',
    help: 'Differences with the bank recorded by reconciliation (each once), by kind and by what ended them',
    labelNames: ['kind', 'event'],
    registers: [deps.registry],
  });
  const runs = new client.Counter({
    name: 'deals_reconciliation_runs_total',
    help: 'Reconciliation runs on this instance: ran, skipped (another held the lock) or failed',
    labelNames: ['outcome'],
    registers: [deps.registry],
  });
  new client.Gauge({
    name: 'deals_reconciliation_findings_open',
    help: 'Reconciliation findings not resolved yet, by kind (read from the database at each scrape)',
    labelNames: ['kind'],
    registers: [deps.registry],
    async collect() {
      const counts = await openFindingCounts(deps.pool);
      for (const kind of ['deal_state', 'escrow_balance', 'virtual_account_balance'] as const)
        this.labels(kind).set(counts.get(kind) ?? 0);
    },
  });
  const deals = dealStore(deps.pool, deps.clock);
  const once = async (signal?: AbortSignal) => {
    const report = await reconcileOnce({
      ...(signal ? { signal } : {}),
      lock: reconciliationLock(deps.pool),
      store: reconciliationStore(deps.pool, deps.clock),
      bank: reconciliationBank(deps.bank),
      ledger: deps.ledger,
      deals,
      followStep: deps.followStep,
      clock: deps.clock,
      logger: deps.logger,
      afterMs: settings.afterMs,
      batchMax: settings.batchMax,
      paceMs: settings.paceMs,
      onRecorded: (f) => recorded.labels(f.kind, 'recorded').inc(),
      onResolved: (f) => recorded.labels(f.kind, 'resolved').inc(),
    });
    runs.labels(report.ran ? 'ran' : 'skipped').inc();
    return report;
  };
  return {
    worker: every(settings.intervalMs, once, deps.logger, runs),
    reconcileOnce: () => once(),
  };
}

/**
 * A run every `ms`, never two at once in this process. Stopping aborts the run in hand, which ends after
 * the subject it is comparing, and waits for that.
 */
function every(
  ms: number,
  run: (signal: AbortSignal) => Promise<unknown>,
  logger: Logger,
  runs: client.Counter<'outcome'>,
): BackgroundWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const stopping = new AbortController();
  const schedule = () => {
    timer = setTimeout(() => {
      current = run(stopping.signal)
        .then(() => undefined)
        .catch((err: unknown) => {
          runs.labels('failed').inc();
          logger.warn({ err }, 'reconciliation run failed; the next run tries again');
        })
        .finally(() => {
          if (!stopped) schedule();
        });
    }, ms);
    timer.unref();
  };
  return {
    start: schedule,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      stopping.abort();
      await current;
    },
  };
}
