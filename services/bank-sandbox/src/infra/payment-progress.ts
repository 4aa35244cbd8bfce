import { type Pool, type Queryable, withTransaction } from '@strongbox/postgres';
import { dealStatusOf, nextPaymentStatus, type PaymentStatus, stepStatusOf } from '../domain/deal.ts';
import { moveBalance } from './balances.ts';
import { detailsNumber } from './bank-details.ts';
import { setDealStatus, setStepStatus } from './deals.ts';
import { enqueueNotification } from './notifications.ts';
import {
  duePayments,
  type PaymentView,
  setPaymentStatus,
  stepPaymentStatuses,
  stepStatuses,
} from './payments.ts';
import type { Sim } from './sim.ts';

const PAYMENTS_BATCH_MAX = 100;

/** Why a payout to these details fails now, if it does: deleted details or a test's failing account. */
async function failureOf(tx: Queryable, p: PaymentView, sim: Sim): Promise<string | undefined> {
  if (p.keepOnVirtualAccount) return undefined;
  if (!p.bankDetailsId) return 'NO_BANK_DETAILS';
  const number = await detailsNumber(tx, p.bankDetailsId);
  if (number === undefined) return 'BANK_DETAILS_DELETED';
  return sim.faults.failingDetails.has(number) ? 'ACCOUNT_CLOSED' : undefined;
}

/** Moves each due payment one state on, and its step and deal with it. */
export async function advancePayments(
  pool: Pool,
  sim: Sim,
  settings: { paymentStepMs: number },
): Promise<number> {
  return withTransaction(pool, async (tx) => {
    const now = sim.clock.now();
    const due = await duePayments(tx, now, PAYMENTS_BATCH_MAX);
    for (const p of due) {
      const failure = p.status === 'IN_PROGRESS' ? await failureOf(tx, p, sim) : undefined;
      const next = nextPaymentStatus(p.status, failure) as PaymentStatus;
      const final = next === 'SUCCEEDED' || next === 'FAILED';
      await setPaymentStatus(tx, p.paymentId, next, {
        failure,
        dueAt: final ? null : new Date(now.getTime() + settings.paymentStepMs),
        now,
      });
      if (next === 'SUCCEEDED' && p.keepOnVirtualAccount)
        await moveBalance(tx, p.beneficiaryId, p.amount, 0n);
      if (final)
        await enqueueNotification(
          tx,
          {
            type: next === 'SUCCEEDED' ? 'PAYMENT_SUCCEEDED' : 'PAYMENT_FAILED',
            objectId: p.paymentId,
            status: next,
            data: { ...(failure ? { failureReason: failure } : {}), dealId: p.dealId, stepId: p.stepId },
          },
          sim,
        );
      if (final && p.stepId && p.dealId) await settleStep(tx, p.dealId, p.stepId, sim);
    }
    return due.length;
  });
}

/** A step follows its payments, and the deal its steps; each change that a bank reports is notified. */
export async function settleStep(tx: Queryable, dealId: string, stepId: string, sim: Sim): Promise<void> {
  const now = sim.clock.now();
  const { rows } = await tx.query<{ status: string; deal_status: string }>(
    'select s.status, d.status as deal_status from steps s join deals d on d.id = s.deal_id where s.id = $1 for update of d',
    [stepId],
  );
  const current = rows[0];
  if (!current) return;
  const status = stepStatusOf(await stepPaymentStatuses(tx, stepId));
  if (status !== current.status) {
    await setStepStatus(tx, stepId, status);
    if (status !== 'PAYMENT_IN_PROGRESS')
      await enqueueNotification(
        tx,
        {
          type: status === 'COMPLETED' ? 'STEP_PAYMENT_COMPLETED' : 'STEP_PAYMENT_FAILED',
          objectId: stepId,
          status,
          data: { dealId },
        },
        sim,
      );
  }
  const dealStatus = dealStatusOf(current.deal_status as never, (await stepStatuses(tx, dealId)) as never);
  if (dealStatus !== current.deal_status) await setDealStatus(tx, dealId, dealStatus, now);
}
