import type { BankClient, Payment } from '@strongbox/bank-client';
import type { Pool } from '@strongbox/postgres';
import type { PayoutObservation, PayoutWatch } from '../features/bank-payouts/ports.ts';
import { type StepAtBank, stepByBankId } from './bank-mirror.ts';
import { markStepPolled, payoutsOfStep, stepsInFlight, storePayment } from './bank-payouts.ts';

/**
 * The payout follower's port: lists the payments of each step being paid and, per payout, takes the bank's
 * latest payment (a retried one points at its retry); answers it when its id or status is news to deals.
 * PENDING and IN_PROGRESS are both "in flight" to deals.
 */
export function payoutWatch(deps: { pool: Pool; bank: BankClient }): PayoutWatch {
  const { pool, bank } = deps;
  const ofStep = async (step: StepAtBank): Promise<PayoutObservation[]> => {
    const out: PayoutObservation[] = [];
    const payments = await bank.listStepPayments(step.bankDealId, step.stepId);
    await markStepPolled(pool, step.milestoneId);
    for (const payout of await payoutsOfStep(pool, step.milestoneId)) {
      const latest = latestOf(payments, payout.bankRecipientId);
      if (!latest) continue;
      const status = statusOf(latest);
      if (latest.paymentId === payout.paymentId && status === payout.status) continue;
      out.push({
        dealId: step.dealId,
        payoutId: payout.payoutId,
        paymentId: latest.paymentId,
        status,
        reason: latest.failureReason,
      });
    }
    return out;
  };
  return {
    async observe(stepLimit) {
      const out: PayoutObservation[] = [];
      for (const step of await stepsInFlight(pool, stepLimit)) out.push(...(await ofStep(step)));
      return out;
    },
    async observeStep(bankStepId) {
      const step = await stepByBankId(pool, bankStepId);
      return step ? ofStep(step) : [];
    },
    acknowledge: (o) => storePayment(pool, o.payoutId, o.paymentId, o.status),
  };
}

function latestOf(payments: readonly Payment[], bankRecipientId: string): Payment | undefined {
  const mine = payments.filter((p) => p.recipientId === bankRecipientId);
  return mine.find((p) => p.retryPaymentId === null) ?? mine.at(-1);
}

function statusOf(p: Payment): PayoutObservation['status'] {
  if (p.status === 'SUCCEEDED') return 'SUCCEEDED';
  if (p.status === 'FAILED' || p.status === 'CANCELLED') return 'FAILED';
  return 'IN_PROGRESS';
}
