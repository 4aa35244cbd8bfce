import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock, Logger } from '@strongbox/kernel';
import {
  type Difference,
  dealDifferences,
  payerDifference,
  settleFindings,
} from '../../domain/reconciliation.ts';
import type { DealStore } from '../bank-tasks/ports.ts';
import type {
  Finding,
  LedgerReader,
  ReconciliationBank,
  ReconciliationLock,
  ReconciliationStore,
  WaitingDeal,
} from './ports.ts';

/** Deals read from the store at a time; a run reads pages until its batch limit. */
export const RECONCILE_PAGE = 100;
/** Consecutive failures after which a run gives up (the bank is down): the next run starts over. */
const FAILURES_IN_A_ROW_MAX = 3;

export interface ReconciliationDeps {
  readonly lock: ReconciliationLock;
  readonly store: ReconciliationStore;
  readonly bank: ReconciliationBank;
  /** Balance's escrows; without it (no service client) only states are compared. */
  readonly ledger?: LedgerReader | undefined;
  readonly deals: Pick<DealStore, 'load'>;
  /** What a payment notification does for its step (bank-notification-processing's followStep). */
  readonly followStep: (bankStepId: string) => Promise<number>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a step or a deal must have waited for the bank before it is asked (DEALS_RECONCILE_AFTER_MS). */
  readonly afterMs: number;
  /** The most deals, and separately steps, one run asks about (each is a call to the bank). */
  readonly batchMax: number;
  /** Aborted when the process stops: the run ends after the subject in hand, the next run goes on. */
  readonly signal?: AbortSignal;
  readonly onRecorded?: (f: Finding) => void;
  readonly onResolved?: (f: Finding) => void;
  /**
   * The least time between the starts of two bank calls of a run (1000 / the client's rate a second).
   * The client's limiter lets a full bucket go at once and then keeps exactly at the bank's rate, so a
   * run as long as this one, alone on a method, sits at the bank's limit with no token to spare: a call
   * that reaches the bank a little early (network jitter), or the first second of a run on another
   * instance (whose limiter this one does not share), collects a 429. Paced evenly, the run leaves the
   * bank's bucket nearly full, which absorbs both. 0 or absent: no pacing.
   */
  readonly paceMs?: number;
  /** How a paced call waits (tests record the waits); resolves early when the process stops. */
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ReconciliationReport {
  /** False when another run held the lock: this one did nothing. */
  readonly ran: boolean;
  readonly steps: number;
  readonly outcomes: number;
  readonly deals: number;
  readonly busy: number;
  readonly failed: number;
  readonly recorded: number;
  readonly resolved: number;
}

const SKIPPED: ReconciliationReport = {
  ran: false,
  steps: 0,
  outcomes: 0,
  deals: 0,
  busy: 0,
  failed: 0,
  recorded: 0,
  resolved: 0,
};

/**
 * One run of reconciliation (ADR 0033), under the lock so that never two run at once anywhere:
 * 1. every step paid out for longer than `afterMs` with a payout not yet final is followed exactly as its
 *    payment notification would have made deals follow it, so a notification lost forever still ends the
 *    payout (and the deal) in the bank's state;
 * 2. every deal at the bank unchanged for longer than `afterMs` (pages of RECONCILE_PAGE, at most
 *    `batchMax`, least recently compared first) is compared with the bank's deal: its state, and its escrow
 *    in balance against what the bank holds for it; then each of their payers' virtual account against the
 *    escrows of the payer's deals.
 * A deal with something in flight is left for a later run: its difference would be one that waiting
 * removes. Calls to the bank are made one after the other, so the client's rate limiter paces them.
 */
export async function reconcileOnce(deps: ReconciliationDeps): Promise<ReconciliationReport> {
  const outcome = await deps.lock.run(() => runLocked(deps));
  return outcome.ran ? outcome.value : SKIPPED;
}

async function runLocked(deps: ReconciliationDeps): Promise<ReconciliationReport> {
  const start = deps.clock.now();
  const before = new Date(start.getTime() - deps.afterMs);
  const r = { ran: true, steps: 0, outcomes: 0, deals: 0, busy: 0, failed: 0, recorded: 0, resolved: 0 };
  let inARow = 0;
  const paced = pacer(deps);
  const bank: ReconciliationBank = {
    deal: async (id) => {
      await paced();
      return deps.bank.deal(id);
    },
    virtualAccount: async (id) => {
      await paced();
      return deps.bank.virtualAccount(id);
    },
  };
  const followStep = async (stepId: string) => {
    await paced();
    return deps.followStep(stepId);
  };
  const run = { ...deps, bank, followStep };
  const guarded = async (what: Record<string, string>, f: () => Promise<void>): Promise<boolean> => {
    if (deps.signal?.aborted) return false;
    try {
      await f();
      inARow = 0;
      return true;
    } catch (err) {
      r.failed++;
      inARow++;
      deps.logger.warn({ ...what, err }, 'reconciliation could not compare; the next run tries again');
      return inARow < FAILURES_IN_A_ROW_MAX;
    }
  };

  for (const stepId of await deps.store.stepsWaiting(before, deps.batchMax)) {
    const goOn = await guarded({ stepId }, async () => {
      r.outcomes += await followStep(stepId);
      r.steps++;
    });
    if (!goOn) return r;
  }

  const payers = new Set<string>();
  while (r.deals + r.busy < deps.batchMax && !deps.signal?.aborted) {
    const page = await deps.store.dealsWaiting(
      before,
      start,
      Math.min(RECONCILE_PAGE, deps.batchMax - r.deals - r.busy),
    );
    if (page.length === 0) break;
    for (const w of page) {
      const goOn = await guarded({ dealId: w.dealId }, async () => {
        if (await deps.store.busy(w.dealId)) {
          r.busy++;
          await deps.store.markChecked(w.dealId, deps.clock.now());
          return;
        }
        await settle(deps, r, w.dealId, await compareDeal(run, w));
        r.deals++;
        payers.add(w.payerId);
      });
      if (!goOn) return r;
    }
  }

  if (deps.ledger)
    for (const payerId of payers) {
      const goOn = await guarded({ payerId }, async () => {
        const found = await comparePayer(run, deps.ledger!, payerId);
        if (found !== 'busy') await settle(deps, r, `payer:${payerId}`, found ? [found] : []);
      });
      if (!goOn) return r;
    }
  return r;
}

/** Waits until `paceMs` after the start of the run's last bank call; the first call goes at once. */
function pacer(deps: ReconciliationDeps): () => Promise<void> {
  const wait = deps.wait ?? ((ms, signal) => sleep(ms, undefined, signal ? { signal } : {}).catch(() => {}));
  let last: number | undefined;
  return async () => {
    const paceMs = deps.paceMs ?? 0;
    if (paceMs > 0 && last !== undefined) {
      const ms = last + paceMs - deps.clock.now().getTime();
      if (ms > 0) await wait(ms, deps.signal);
    }
    last = deps.clock.now().getTime();
  };
}

async function compareDeal(deps: ReconciliationDeps, w: WaitingDeal): Promise<Difference[]> {
  const deal = await deps.deals.load(w.dealId);
  if (!deal) throw new Error(`deal ${w.dealId} has a view but no events`);
  const atBank = await deps.bank.deal(w.bankDealId);
  const escrow = deps.ledger ? await deps.ledger.escrowOf(w.dealId) : undefined;
  return dealDifferences(deal, atBank, escrow);
}

async function comparePayer(
  deps: ReconciliationDeps,
  ledger: LedgerReader,
  payerId: string,
): Promise<Difference | undefined | 'busy'> {
  const beneficiary = await deps.store.payerBeneficiary(payerId);
  if (!beneficiary) return undefined;
  const { busy, dealIds } = await deps.store.payerDeals(payerId);
  if (busy) return 'busy';
  let escrows = 0n;
  for (const id of dealIds) escrows += await ledger.escrowOf(id);
  return payerDifference(payerId, escrows, await deps.bank.virtualAccount(beneficiary));
}

async function settle(
  deps: ReconciliationDeps,
  r: { recorded: number; resolved: number },
  subject: string,
  found: readonly Difference[],
): Promise<void> {
  const outcome = settleFindings(await deps.store.openFindings(subject), found);
  const { recorded, resolved } = await deps.store.settle(subject, outcome, deps.clock.now());
  for (const f of recorded) {
    r.recorded++;
    deps.onRecorded?.(f);
    deps.logger.warn(
      { subject: f.subject, kind: f.kind, detail: f.detail },
      'reconciliation found a difference with the bank',
    );
  }
  for (const f of resolved) {
    r.resolved++;
    deps.onResolved?.(f);
  }
}
