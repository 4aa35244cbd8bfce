import type { BankClient } from '@strongbox/bank-client';
import { prepared, type Queryable } from '@strongbox/postgres';
import type { Deal } from '../domain/deal.ts';
import { nextRefundStep, type RefundTarget } from '../domain/refund-at-bank.ts';
import type { KeyFor, RefundOutcome, RefundTask } from '../features/bank-tasks/ports.ts';
import { stepOf } from './bank-mirror.ts';
import { payoutsOfStep } from './bank-payouts.ts';

/**
 * Upper bound of bank calls one refund makes in one attempt: a deal of 10 milestones with a few recipients
 * each takes a few dozen; more means the bank and the plan disagree, and the attempt stops to be retried.
 */
export const REFUND_CALLS_MAX = 200;

/**
 * Carries out a refund at the bank (ADR 0035). Each round reads the bank's deal as it is now, asks the
 * pure `nextRefundStep` for the one call that brings it nearer the refund's target, and makes it; so an
 * attempt cut short anywhere (a crash between drafting and accepting, a lost answer) is resumed by the next
 * from where the bank got to. The only created objects are the replacing recipients, each keyed from the
 * task and the payout; every other call is a PUT, a DELETE or a transition whose outcome is read back.
 */
export async function refundAtBank(
  deps: { readonly pool: Queryable; readonly bank: BankClient },
  deal: Deal,
  refund: RefundTask,
  key: KeyFor,
): Promise<RefundOutcome> {
  const { bank, pool } = deps;
  if (deal.bankDealId === null) throw new Error(`deal ${deal.id} is not at the bank`);
  const dealId = deal.bankDealId;
  for (let call = 0; call < REFUND_CALLS_MAX; call++) {
    const next = nextRefundStep(await bank.getDeal(dealId), await targetOf(pool, refund));
    switch (next.kind) {
      case 'done':
        return { kind: 'refunded' };
      case 'needs_operator':
        return next;
      case 'cancel':
        await bank.cancelDeal(dealId);
        break;
      case 'draft':
        await bank.draftDeal(dealId);
        break;
      case 'delete_step':
        await bank.deleteStep(dealId, next.stepId);
        break;
      case 'put_deponent':
        await bank.putDeponent(dealId, next.stepId, next.beneficiaryId, next.amount);
        break;
      case 'replace_recipient': {
        const added = await bank.addRecipient(
          dealId,
          next.stepId,
          {
            beneficiaryId: next.beneficiaryId,
            amount: next.amount,
            purpose: next.purpose,
            // A self-employed recipient's share stays on their virtual account, as it was registered:
            // paid out from there only under the NPD rules (ADR 0034), never straight to their account.
            ...(next.keepOnVirtualAccount
              ? { keepOnVirtualAccount: true }
              : next.bankDetailsId
                ? { bankDetailsId: next.bankDetailsId }
                : {}),
          },
          key(`refund-recipient/${next.payoutId}`),
        );
        // The mirror names the new recipient before the old one goes: a crash in between adds nothing
        // again (the key replays this answer) and the next round deletes the old one.
        await repointPayout(pool, next.payoutId, added.recipientId);
        break;
      }
      case 'delete_recipient':
        await bank.deleteRecipient(dealId, next.stepId, next.recipientId);
        // A payout whose share fell to 0 has no recipient at the bank any more, as at registration.
        await forgetPayoutsOf(pool, next.recipientId);
        break;
      case 'accept': {
        const validity = await bank.checkDeal(dealId);
        if (!validity.isValid)
          throw new Error(
            `the reduced deal is not valid at the bank: ${validity.reasons.map((r) => r.code).join(', ')}`,
          );
        await bank.acceptDeal(dealId);
        break;
      }
      default: {
        const unreachable: never = next;
        throw new Error(`unknown refund step ${JSON.stringify(unreachable)}`);
      }
    }
  }
  throw new Error(`the refund of deal ${deal.id} did not settle at the bank in ${REFUND_CALLS_MAX} calls`);
}

/** The refund's target: the event's amounts and splits, placed on the steps and recipients the mirror knows. */
async function targetOf(q: Queryable, refund: RefundTask): Promise<RefundTarget> {
  const steps = [];
  for (const m of refund.milestones) {
    const step = await stepOf(q, m.milestoneId);
    const atBank = new Map(
      (await payoutsOfStep(q, m.milestoneId)).map((p) => [p.payoutId, p.bankRecipientId]),
    );
    steps.push({
      milestoneId: m.milestoneId,
      stepId: step?.stepId ?? null,
      amount: m.amount,
      payouts: m.payouts.map((p) => ({
        payoutId: p.id,
        bankRecipientId: atBank.get(p.id) ?? null,
        amount: p.amount,
      })),
    });
  }
  return { full: refund.full, steps };
}

async function repointPayout(q: Queryable, payoutId: string, bankRecipientId: string): Promise<void> {
  await q.query(
    prepared('update bank_payouts set bank_recipient_id = $2 where payout_id = $1', [
      payoutId,
      bankRecipientId,
    ]),
  );
}

async function forgetPayoutsOf(q: Queryable, bankRecipientId: string): Promise<void> {
  await q.query(prepared('delete from bank_payouts where bank_recipient_id = $1', [bankRecipientId]));
}
