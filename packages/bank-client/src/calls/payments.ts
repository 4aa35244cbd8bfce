import { checkAmount } from '../amounts.ts';
import { type BankCore, keyOf, ok } from '../client.ts';
import type { NewPayment, Payment, PaymentRetry } from '../types.ts';
import { NA, PAYMENT, type Results, STEP } from './paths.ts';

/** Payouts: a deal step's, and REGULAR ones from a virtual account outside any deal. */
export function paymentCalls(core: BankCore) {
  return {
    /** A REGULAR payout from the beneficiary's virtual account (default: its default bank details). */
    createPayment: async (p: NewPayment, idempotencyKey: string) =>
      ok<Payment>(core, {
        method: 'POST',
        template: `${NA}/payments`,
        body: { type: 'REGULAR', ...p, amount: checkAmount(p.amount) },
        idempotencyKey: keyOf(idempotencyKey),
      }),
    getPayment: async (paymentId: string) =>
      ok<Payment>(core, { method: 'GET', template: PAYMENT, params: { paymentId } }),
    /** Every payment of a step, retries included. */
    listStepPayments: async (dealId: string, stepId: string) =>
      (
        await ok<Results<Payment>>(core, {
          method: 'GET',
          template: `${STEP}/payments`,
          params: { dealId, stepId },
        })
      ).results,
    /** A new attempt of a FAILED payment, to `bankDetailsId` or the beneficiary's current default details. */
    retryPayment: async (
      paymentId: string,
      to: { readonly bankDetailsId?: string },
      idempotencyKey: string,
    ) =>
      ok<PaymentRetry>(core, {
        method: 'POST',
        template: `${PAYMENT}/retry`,
        params: { paymentId },
        body: to.bankDetailsId === undefined ? {} : { bankDetailsId: to.bankDetailsId },
        idempotencyKey: keyOf(idempotencyKey),
      }),
  };
}
