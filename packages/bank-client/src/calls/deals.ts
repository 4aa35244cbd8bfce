import { checkAmount } from '../amounts.ts';
import { type BankCore, keyOf, ok, transition } from '../client.ts';
import type { Deal, DealValidity, NewRecipient, Recipient, Step } from '../types.ts';
import { DEAL, NA, type Results, STEP } from './paths.ts';

/** Where a deal has got once accepted; and a step once completing started its payouts. */
const ACCEPTED_OR_LATER = new Set(['ACCEPTED', 'IN_PROGRESS', 'COMPLETED']);
const PAYOUT_STARTED = new Set(['PAYMENT_IN_PROGRESS', 'PAYMENT_FAILED', 'COMPLETED']);

/** Deals, their steps, deponents and recipients (edited while DRAFT), and completing a step. */
export function dealCalls(core: BankCore) {
  const getDeal = async (dealId: string) =>
    ok<Deal>(core, { method: 'GET', template: DEAL, params: { dealId } });
  const stepIn = async (dealId: string, stepId: string): Promise<Step> => {
    const step = (await getDeal(dealId)).steps.find((s) => s.stepId === stepId);
    if (!step) throw new Error(`the bank's deal ${dealId} has no step ${stepId}`);
    return step;
  };
  const change = (dealId: string, action: 'accept' | 'cancel', reached: (d: Deal) => boolean) =>
    transition(
      core,
      { method: 'POST', template: `${DEAL}/${action}`, params: { dealId } },
      () => getDeal(dealId),
      reached,
    );
  const step = (dealId: string, stepId: string, rest = '') => ({
    template: `${STEP}${rest}`,
    params: { dealId, stepId },
  });
  return {
    /** A DRAFT deal in the nominal account `accountNumber`. */
    createDeal: async (accountNumber: string, idempotencyKey: string) =>
      ok<Deal>(core, {
        method: 'POST',
        template: `${NA}/deals`,
        body: { accountNumber },
        idempotencyKey: keyOf(idempotencyKey),
      }),
    getDeal,
    /** Only a DRAFT deal. */
    deleteDeal: async (dealId: string): Promise<void> =>
      ok<undefined>(core, { method: 'DELETE', template: DEAL, params: { dealId } }),
    /** Whether the deal can be accepted, and the bank's reasons when not. */
    checkDeal: async (dealId: string) =>
      ok<DealValidity>(core, { method: 'GET', template: `${DEAL}/is-valid`, params: { dealId } }),
    /** The deponents' money goes on hold. Idempotent: a deal found accepted (or later) is the answer. */
    acceptDeal: async (dealId: string) => change(dealId, 'accept', (d) => ACCEPTED_OR_LATER.has(d.status)),
    /** Not after a payout attempt. Idempotent: a deal found cancelled is the answer. */
    cancelDeal: async (dealId: string) => change(dealId, 'cancel', (d) => d.status === 'CANCELLED'),
    /** An accepted deal back to DRAFT for editing; the holds are released. */
    draftDeal: async (dealId: string) =>
      ok<Deal>(core, { method: 'POST', template: `${DEAL}/draft`, params: { dealId } }),

    createStep: async (dealId: string, description: string, idempotencyKey: string) =>
      ok<Step>(core, {
        method: 'POST',
        template: `${DEAL}/steps`,
        params: { dealId },
        body: { description },
        idempotencyKey: keyOf(idempotencyKey),
      }),
    listSteps: async (dealId: string) =>
      (await ok<Results<Step>>(core, { method: 'GET', template: `${DEAL}/steps`, params: { dealId } }))
        .results,
    updateStep: async (dealId: string, stepId: string, description: string) =>
      ok<Step>(core, { method: 'PUT', ...step(dealId, stepId), body: { description } }),
    deleteStep: async (dealId: string, stepId: string): Promise<void> =>
      ok<undefined>(core, { method: 'DELETE', ...step(dealId, stepId) }),
    /** Starts the step's payouts. Idempotent: a step whose payouts have started is the answer. */
    completeStep: async (dealId: string, stepId: string) =>
      transition(
        core,
        { method: 'POST', ...step(dealId, stepId, '/complete') },
        () => stepIn(dealId, stepId),
        (s) => PAYOUT_STARTED.has(s.status),
      ),

    /** Sets what the beneficiary puts into the step (a PUT: sending it again changes nothing). */
    putDeponent: async (dealId: string, stepId: string, beneficiaryId: string, amount: bigint) =>
      ok<Step>(core, {
        method: 'PUT',
        template: `${STEP}/deponents/{beneficiaryId}`,
        params: { dealId, stepId, beneficiaryId },
        body: { amount: checkAmount(amount) },
      }),
    deleteDeponent: async (dealId: string, stepId: string, beneficiaryId: string): Promise<void> =>
      ok<undefined>(core, {
        method: 'DELETE',
        template: `${STEP}/deponents/{beneficiaryId}`,
        params: { dealId, stepId, beneficiaryId },
      }),
    addRecipient: async (dealId: string, stepId: string, r: NewRecipient, idempotencyKey: string) =>
      ok<Recipient>(core, {
        method: 'POST',
        ...step(dealId, stepId, '/recipients'),
        body: { ...r, amount: checkAmount(r.amount) },
        idempotencyKey: keyOf(idempotencyKey),
      }),
    deleteRecipient: async (dealId: string, stepId: string, recipientId: string): Promise<void> =>
      ok<undefined>(core, {
        method: 'DELETE',
        template: `${STEP}/recipients/{recipientId}`,
        params: { dealId, stepId, recipientId },
      }),
  };
}
