import { type BackoffPolicy, backoffMs, type Clock, type Logger, nameBasedUuid } from '@strongbox/kernel';
import type { Payout } from '../../domain/deal.ts';
import type { DealCommand } from '../../domain/decide.ts';
import { npdVerdict, taxYearStart } from '../../domain/self-employed.ts';
import type { DealStore } from '../bank-tasks/ports.ts';
import type { NpdPayout, NpdPayoutChange, NpdPayoutStore, ReceiptCall, SelfEmployedBank } from './ports.ts';

/** Payouts one run moves on; each is a call or two to the bank. */
export const NPD_PAYOUTS_PER_RUN_MAX = 20;

export interface SelfEmployedPayoutDeps {
  readonly store: NpdPayoutStore;
  readonly bank: SelfEmployedBank;
  readonly deals: DealStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  /** Between checks of a held payout, and after an error: grows to its cap (the bank tasks' by default). */
  readonly backoff: BackoffPolicy;
  /** How soon the bank is asked again about something under way (a payment, an asynchronous call). */
  readonly pollMs: number;
  /** How often an issued receipt is read again, and for how long after the payout, to catch an annulment. */
  readonly receiptWatchEveryMs: number;
  readonly receiptWatchForMs: number;
}

/**
 * One run of the self-employed payout worker (leader-locked). A self-employed recipient's share lands on
 * their virtual account at the bank when its step is paid; from there, payout by payout:
 * - **checking**: the bank's NPD status check and our own records of this year's payouts decide
 *   (domain/self-employed.ts). Not allowed: `deal.payout_held` with the reason, checked again with a
 *   growing delay. Allowed: `deal.payout_resumed` (if it was held) is recorded *before* anything is paid,
 *   so a payout is never paid while its deal shows it held.
 * - **paying**: the payment out of the virtual account (keyed by the payout), followed to its end; its
 *   outcome becomes payout_completed or payout_failed (a failed one is retried by the deal's retry).
 * - **receipt**, **watching**: the receipt is registered and read through the self-employed API, one
 *   asynchronous call at a time (its correlationId derived from the payout, so a crash finds its result
 *   again), and read again now and then: an annulled receipt is recorded and flagged.
 * Answers how many payouts moved on.
 */
export async function runSelfEmployedPayouts(
  deps: SelfEmployedPayoutDeps,
  limit = NPD_PAYOUTS_PER_RUN_MAX,
): Promise<number> {
  let moved = 0;
  for (const p of await deps.store.due(deps.clock.now(), limit)) {
    try {
      if (await advance(deps, p)) moved++;
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      deps.logger.warn({ payoutId: p.payoutId, stage: p.stage, reason }, 'self-employed payout step failed');
      await deps.store.update(p.payoutId, { progressed: false, error: reason }, later(deps, p.attempts + 1));
    }
  }
  return moved;
}

const at = (deps: SelfEmployedPayoutDeps, ms: number) => new Date(deps.clock.now().getTime() + ms);
const later = (deps: SelfEmployedPayoutDeps, attempt: number) =>
  at(deps, backoffMs(attempt, deps.backoff, deps.random));
const key = (p: NpdPayout, call: string) => nameBasedUuid(`${p.payoutId}/self_employed\n${call}`);

async function advance(deps: SelfEmployedPayoutDeps, p: NpdPayout): Promise<boolean> {
  /** Notes the payout's progress and when to look at it next; answers whether it moved on. */
  const go: Go = async (change, ms = 0, moved = true) => {
    await deps.store.update(p.payoutId, { ...change, progressed: true }, at(deps, ms));
    return moved;
  };
  const wait = () => go({}, deps.pollMs, false);
  switch (p.stage) {
    case 'landing': {
      const where = await deps.bank.landed(p);
      if (where === 'landed') return go({ stage: 'checking' });
      if (where === 'in_flight') return wait();
      // Not released yet: looked at less and less often, and never again once it cannot be paid.
      const payout = await findPayout(deps, p);
      if (!payout || payout.status === 'paid') return go({ stage: 'closed' });
      return slower(deps, p, 'the step is not paid yet');
    }
    case 'checking':
      return check(deps, p, go);
    case 'paying':
      return pay(deps, p, go, wait);
    case 'receipt':
      return receipt(deps, p, go, wait);
    case 'watching':
      // Read the receipt again: a new ask, with a correlationId of its own.
      if (deps.clock.now().getTime() - p.createdAt.getTime() > deps.receiptWatchForMs)
        return go({ stage: 'closed' });
      return go({ stage: 'receipt' });
    case 'closed':
      return false;
    default: {
      const unreachable: never = p.stage;
      throw new Error(`unknown stage ${String(unreachable)}`);
    }
  }
}

type Go = (change: Omit<NpdPayoutChange, 'progressed'>, ms?: number, moved?: boolean) => Promise<boolean>;

/** The payout as the deal has it now; undefined once it is gone (its milestone refunded, the deal cancelled). */
async function findPayout(deps: SelfEmployedPayoutDeps, p: NpdPayout): Promise<Payout | undefined> {
  const deal = await deps.deals.load(p.dealId);
  if (!deal || deal.status === 'cancelled') return undefined;
  return deal.milestones.find((m) => m.id === p.milestoneId)?.payouts.find((x) => x.id === p.payoutId);
}

async function payoutOf(deps: SelfEmployedPayoutDeps, p: NpdPayout): Promise<Payout> {
  const payout = await findPayout(deps, p);
  if (!payout) throw new Error(`payout ${p.payoutId} is not in deal ${p.dealId}`);
  return payout;
}

/** Nothing to do yet and nothing the bank will change soon: the next look comes after a growing delay. */
async function slower(deps: SelfEmployedPayoutDeps, p: NpdPayout, why: string): Promise<boolean> {
  await deps.store.update(p.payoutId, { progressed: false, error: why }, later(deps, p.attempts + 1));
  return false;
}

async function record(deps: SelfEmployedPayoutDeps, p: NpdPayout, command: DealCommand): Promise<void> {
  const { refused } = await deps.deals.record(p.dealId, command, null);
  if (refused) throw new Error(`the deal refused ${command.kind}: ${refused}`);
}

async function check(deps: SelfEmployedPayoutDeps, p: NpdPayout, go: Go): Promise<boolean> {
  const payout = await payoutOf(deps, p);
  if (payout.status === 'paid') return go({ stage: 'receipt' });
  const npdStatus = await deps.bank.npdStatus(p.recipientId);
  const verdict = npdVerdict({
    npdStatus,
    paidThisYear: await deps.store.paidSince(p.recipientId, taxYearStart(deps.clock.now())),
    inFlight: await deps.store.inFlight(p.recipientId, p.payoutId),
    amount: payout.amount,
  });
  if (!verdict.pay) {
    await record(deps, p, {
      kind: 'hold_payout',
      payoutId: p.payoutId,
      reason: verdict.reason,
      detail: verdict.detail,
    });
    deps.logger.info({ payoutId: p.payoutId, reason: verdict.reason }, 'self-employed payout held');
    await deps.store.update(
      p.payoutId,
      { progressed: false, error: `${verdict.reason}: ${verdict.detail}` },
      later(deps, p.attempts + 1),
    );
    return false;
  }
  // Released in the deal's history first; only then is anything paid.
  await record(deps, p, { kind: 'resume_payout', payoutId: p.payoutId });
  await go({ stage: 'paying' });
  await deps.bank.payOut(p, payout.amount, key(p, 'pay-out'));
  return true;
}

async function pay(deps: SelfEmployedPayoutDeps, p: NpdPayout, go: Go, wait: () => Promise<boolean>) {
  const payment = await deps.bank.payment(p);
  if (!payment) {
    // Moved to paying and stopped before the payment was made: made now, under the same key.
    await deps.bank.payOut(p, (await payoutOf(deps, p)).amount, key(p, 'pay-out'));
    return go({}, deps.pollMs);
  }
  if (payment.status === 'IN_PROGRESS') return wait();
  // Failed and recorded: it waits for the deal's retry (new bank details), which makes a new payment.
  if (payment.status === 'FAILED' && payment.known) return slower(deps, p, 'failed; waiting for a retry');
  if (payment.status === 'FAILED') {
    await record(deps, p, {
      kind: 'payout_failed',
      payoutId: p.payoutId,
      reason: payment.reason ?? 'the bank did not say why',
    });
    await payment.acknowledge();
    return go({}, deps.pollMs);
  }
  await record(deps, p, { kind: 'payout_completed', payoutId: p.payoutId });
  await payment.acknowledge();
  await go({ stage: 'receipt' });
  return true;
}

/** The next call of the receipt's registration, or the next reading of it once registered. */
function nextCall(p: NpdPayout, after: ReceiptCall['kind'] | null): ReceiptCall['kind'] {
  if (after === 'payment-registry/create') return 'payment-registry/submit';
  if (after === 'payment-registry/submit') return 'payment-registry/pay';
  if (after === 'payment-registry/pay' || p.registryId !== null) return 'payment-registry/receipts';
  return 'payment-registry/create';
}

async function receipt(deps: SelfEmployedPayoutDeps, p: NpdPayout, go: Go, wait: () => Promise<boolean>) {
  if (p.call === null) return startReceiptCall(deps, p, nextCall(p, null), p.registryId, go);
  const outcome = await deps.bank.callResult(p.call.kind, p.call.correlationId);
  if (outcome.kind === 'pending') return wait();
  if (outcome.kind === 'refused' && p.call.kind === 'payment-registry/receipts')
    // A reading that failed (its result expired, say) is simply asked again, later.
    return go({ call: null }, deps.receiptWatchEveryMs, false);
  if (outcome.kind === 'refused') {
    // The bank would not register the receipt (the person is no longer ACTIVE, say): shown as ERROR.
    await record(deps, p, {
      kind: 'record_receipt',
      payoutId: p.payoutId,
      status: 'ERROR',
      receiptNumber: null,
      link: null,
    });
    deps.logger.warn({ payoutId: p.payoutId, reason: outcome.reason }, 'receipt not registered');
    return go({ stage: 'closed', call: null });
  }
  if (p.call.kind !== 'payment-registry/receipts')
    return startReceiptCall(deps, p, nextCall(p, p.call.kind), outcome.registryId ?? p.registryId, go);
  const r = outcome.receipt;
  if (!r) return go({ call: null }, deps.pollMs, false);
  await record(deps, p, { kind: 'record_receipt', payoutId: p.payoutId, ...r });
  if (r.status === 'IN_PROGRESS') return go({ call: null }, deps.pollMs);
  if (r.status === 'SUCCESS') return go({ stage: 'watching', call: null }, deps.receiptWatchEveryMs);
  return go({ stage: 'closed', call: null });
}

async function startReceiptCall(
  deps: SelfEmployedPayoutDeps,
  p: NpdPayout,
  kind: ReceiptCall['kind'],
  registryId: number | null,
  go: Go,
): Promise<boolean> {
  const asks = kind === 'payment-registry/receipts' ? p.receiptAsks + 1 : p.receiptAsks;
  const name = kind === 'payment-registry/receipts' ? `${kind}/${asks}` : kind;
  const correlationId = key(p, `${name}/correlation`);
  let call: ReceiptCall;
  if (kind === 'payment-registry/create') {
    const selfEmployedId = await deps.bank.selfEmployedId(p.recipientId, (c) => key(p, c));
    if (selfEmployedId === 'pending') return go({}, deps.pollMs, false);
    const payout = await payoutOf(deps, p);
    call = { kind, selfEmployedId, amount: payout.amount, purpose: `Payout ${p.payoutId}, deal ${p.dealId}` };
  } else {
    if (registryId === null) throw new Error(`payout ${p.payoutId} has no registry for ${kind}`);
    call = { kind, registryId };
  }
  // The call first, then its note: a crash in between calls again with the same key and correlationId,
  // and the bank answers what it answered.
  await deps.bank.startCall(call, correlationId, key(p, `${name}/key`));
  await go(
    { call: { kind, correlationId }, receiptAsks: asks, ...(registryId === null ? {} : { registryId }) },
    deps.pollMs,
  );
  return true;
}
