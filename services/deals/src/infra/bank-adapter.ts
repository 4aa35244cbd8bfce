import { type BankClient, BankError } from '@strongbox/bank-client';
import type { Clock } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { Deal } from '../domain/deal.ts';
import {
  BankNotReady,
  BankRefusal,
  type DealBank,
  type KeyFor,
  type RefundTask,
} from '../features/bank-tasks/ports.ts';
import { payerBeneficiary, registerRecipient } from './bank-beneficiaries.ts';
import { markStepPaying, recipientsAtBank, stepOf, storeStep } from './bank-mirror.ts';
import { payoutAtBank, storePayment, storePayout } from './bank-payouts.ts';
import { refundAtBank } from './bank-refund.ts';
import { followNpdPayout } from './npd-payouts.ts';

export interface BankAdapterDeps {
  readonly pool: Pool;
  readonly bank: BankClient;
  readonly clock: Clock;
  /** The marketplace's nominal account at the bank (BANK_NOMINAL_ACCOUNT). */
  readonly nominalAccount: string;
}

/** The bank's limit on a payment purpose and our limit on a step's description. */
const PURPOSE_LENGTH_MAX = 210;
const STEP_DESCRIPTION_MAX = 200;
/** Expected before the payer's money arrives; every other reason holds the deal back. */
const UNTIL_FUNDED = new Set(['INSUFFICIENT_FUNDS']);

/**
 * The DealBank port over the bank client. Every create carries a key from the task (KeyFor), so a task
 * performed again gets the bank's first answers back; what the bank made is remembered in deals' mirror
 * tables (bank-mirror.ts) for the later tasks and the payout follower. A refusal (BankError) becomes a
 * BankRefusal; BankUnavailable passes through, and the task waits.
 */
export function dealBank(deps: BankAdapterDeps): DealBank {
  const { bank, pool } = deps;
  const guarded =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await f(...a);
      } catch (err) {
        if (err instanceof BankError)
          throw new BankRefusal(err.errorCode ?? String(err.status), `${err.status}: ${err.errorMessage}`);
        throw err;
      }
    };
  return {
    registerDeal: guarded((deal: Deal, key: KeyFor) => registerDeal(deps, deal, key)),
    acceptDeal: guarded(async (deal: Deal) => {
      const id = bankIdOf(deal);
      await checkValid(bank, id, new Set());
      await bank.acceptDeal(id);
    }),
    payMilestone: guarded(async (_deal: Deal, milestoneId: string) => {
      const step = await stepOf(pool, milestoneId);
      if (!step) throw new Error(`milestone ${milestoneId} has no step at the bank`);
      await bank.completeStep(step.bankDealId, step.stepId);
      await markStepPaying(pool, milestoneId, deps.clock.now());
    }),
    retryPayout: guarded(async (deal: Deal, payoutId: string, key: KeyFor) => {
      const at = await payoutAtBank(pool, payoutId);
      if (!at?.paymentId) throw new BankNotReady(`payout ${payoutId} has no failed payment at the bank yet`);
      const recipientId = deal.milestones
        .flatMap((m) => m.payouts)
        .find((p) => p.id === payoutId)?.recipientId;
      const details = recipientId
        ? (await recipientsAtBank(pool, [recipientId])).get(recipientId)?.bankDetailsId
        : undefined;
      const retry = await bank.retryPayment(
        at.paymentId,
        details ? { bankDetailsId: details } : {},
        key('retry-payment'),
      );
      await storePayment(pool, payoutId, retry.retryPaymentId, 'PENDING');
    }),
    cancelDeal: guarded(async (deal: Deal) => {
      await bank.cancelDeal(bankIdOf(deal));
    }),
    // Cancelled, or drafted, reduced and accepted again; an operator's once a payout was tried (ADR 0035).
    refund: guarded((deal: Deal, refund: RefundTask, key: KeyFor) => refundAtBank(deps, deal, refund, key)),
    registerRecipient: guarded((recipientId: string, key: KeyFor) =>
      registerRecipient(deps, recipientId, key),
    ),
  };
}

function bankIdOf(deal: Deal): string {
  if (deal.bankDealId === null) throw new Error(`deal ${deal.id} is not at the bank`);
  return deal.bankDealId;
}

async function checkValid(bank: BankClient, bankDealId: string, expected: ReadonlySet<string>) {
  const validity = await bank.checkDeal(bankDealId);
  const reasons = validity.reasons.filter((r) => !expected.has(r.code));
  if (reasons.length > 0)
    throw new BankNotReady(
      `the bank's deal is not valid: ${reasons.map((r) => `${r.code} (${r.description})`).join('; ')}`,
    );
}

/**
 * The deal, one step per milestone with the payer as deponent of its amount, and one recipient per payout
 * to its profile's beneficiary and bank details. A profile the bank does not know yet holds it back.
 */
async function registerDeal(deps: BankAdapterDeps, deal: Deal, key: KeyFor) {
  const { bank, pool } = deps;
  const payouts = deal.milestones.flatMap((m) => m.payouts.filter((p) => p.amount > 0n));
  const profiles = await recipientsAtBank(pool, [...new Set(payouts.map((p) => p.recipientId))]);
  for (const p of payouts) {
    const profile = profiles.get(p.recipientId);
    if (!profile?.beneficiaryId || !profile.bankDetailsId)
      throw new BankNotReady(`payout profile ${p.recipientId} is not a beneficiary at the bank yet`);
  }
  const payer = await payerBeneficiary(deps, deal.payerId);
  const { dealId: bankDealId } = await bank.createDeal(deps.nominalAccount, key('create-deal'));
  for (const m of deal.milestones) {
    if (m.amount === 0n) continue;
    const description = `${deal.title}: ${m.title}`.slice(0, STEP_DESCRIPTION_MAX);
    const { stepId } = await bank.createStep(bankDealId, description, key(`step/${m.id}`));
    await bank.putDeponent(bankDealId, stepId, payer, m.amount);
    for (const p of m.payouts) {
      if (p.amount === 0n) continue;
      const profile = profiles.get(p.recipientId)!;
      // A self-employed recipient's share stays on their virtual account when the step is paid: the
      // self-employed payout worker pays it out once their NPD status and yearly limit allow (ADR 0034).
      const kept = profile.legalType === 'self_employed';
      const added = await bank.addRecipient(
        bankDealId,
        stepId,
        {
          beneficiaryId: profile.beneficiaryId!,
          amount: p.amount,
          purpose: `${description}, payout ${p.id}`.slice(0, PURPOSE_LENGTH_MAX),
          ...(kept ? { keepOnVirtualAccount: true } : { bankDetailsId: profile.bankDetailsId! }),
        },
        key(`recipient/${p.id}`),
      );
      await storePayout(pool, {
        payoutId: p.id,
        dealId: deal.id,
        milestoneId: m.id,
        bankRecipientId: added.recipientId,
        kept,
      });
      if (kept)
        await followNpdPayout(
          pool,
          { payoutId: p.id, dealId: deal.id, milestoneId: m.id, recipientId: p.recipientId },
          deps.clock.now(),
        );
    }
    await storeStep(pool, { milestoneId: m.id, dealId: deal.id, bankDealId, stepId });
  }
  await checkValid(bank, bankDealId, UNTIL_FUNDED);
  return { bankDealId };
}
