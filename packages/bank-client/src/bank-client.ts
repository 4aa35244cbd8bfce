import { checkAmount } from './amounts.ts';
import { type BankClientOptions, type BankCore, bankCore, keyOf, ok, transition } from './client.ts';
import type {
  Balance,
  BankDetails,
  Beneficiary,
  Deal,
  DealValidity,
  Identified,
  IncomingTransaction,
  NewBankDetails,
  NewBeneficiary,
  NewRecipient,
  Page,
  Payment,
  PaymentRetry,
  Recipient,
  Scoring,
  Share,
  Step,
} from './types.ts';

const NA = '/api/v1/nominal-accounts';
const BENEFICIARY = `${NA}/beneficiaries/{beneficiaryId}`;
const DEAL = `${NA}/deals/{dealId}`;
const STEP = `${DEAL}/steps/{stepId}`;
const PAYMENT = `${NA}/payments/{paymentId}`;

/** Where a deal has got once accepted; and a step once completing started its payouts. */
const ACCEPTED_OR_LATER = new Set(['ACCEPTED', 'IN_PROGRESS', 'COMPLETED']);
const PAYOUT_STARTED = new Set(['PAYMENT_IN_PROGRESS', 'PAYMENT_FAILED', 'COMPLETED']);

type Results<T> = { readonly results: readonly T[] };

/**
 * A typed client of the bank's nominal-account API. Every create takes the caller's Idempotency-Key (a
 * UUID the caller derives from the event that caused the call), so a retry, by this client or by the
 * caller after BankUnavailable, replays the first answer instead of repeating the effect.
 */
export function createBankClient(options: BankClientOptions) {
  const core: BankCore = bankCore(options);
  const getDeal = (dealId: string) => ok<Deal>(core, { method: 'GET', template: DEAL, params: { dealId } });
  const stepIn = async (dealId: string, stepId: string): Promise<Step> => {
    const step = (await getDeal(dealId)).steps.find((s) => s.stepId === stepId);
    if (!step) throw new Error(`the bank's deal ${dealId} has no step ${stepId}`);
    return step;
  };
  return {
    createBeneficiary: async (b: NewBeneficiary, idempotencyKey: string) =>
      ok<Beneficiary>(core, {
        method: 'POST',
        template: `${NA}/beneficiaries`,
        body: b,
        idempotencyKey: keyOf(idempotencyKey),
      }),
    getBeneficiary: async (beneficiaryId: string) =>
      ok<Beneficiary>(core, { method: 'GET', template: BENEFICIARY, params: { beneficiaryId } }),
    /** The beneficiary's scoring (IN_PROGRESS, SUCCEEDED or FAILED); undefined for an unknown beneficiary. */
    getScoring: async (beneficiaryId: string): Promise<Scoring | undefined> =>
      (
        await ok<Results<Scoring>>(core, {
          method: 'GET',
          template: '/api/v2/nominal-accounts/beneficiaries/scoring',
          query: { beneficiaryId },
        })
      ).results[0],

    createBankDetails: async (beneficiaryId: string, d: NewBankDetails, idempotencyKey: string) =>
      ok<BankDetails>(core, {
        method: 'POST',
        template: `${BENEFICIARY}/bank-details`,
        params: { beneficiaryId },
        body: d,
        idempotencyKey: keyOf(idempotencyKey),
      }),
    listBankDetails: async (beneficiaryId: string) =>
      (
        await ok<Results<BankDetails>>(core, {
          method: 'GET',
          template: `${BENEFICIARY}/bank-details`,
          params: { beneficiaryId },
        })
      ).results,
    /** Idempotent by nature: making the default the default again changes nothing. */
    setDefaultBankDetails: async (beneficiaryId: string, bankDetailsId: string) =>
      ok<BankDetails>(core, {
        method: 'POST',
        template: `${BENEFICIARY}/bank-details/{bankDetailsId}/set-default`,
        params: { beneficiaryId, bankDetailsId },
      }),

    /** The beneficiary's virtual account; undefined for an unknown beneficiary. */
    getBalance: async (beneficiaryId: string): Promise<Balance | undefined> =>
      (
        await ok<Results<Balance>>(core, {
          method: 'GET',
          template: `${NA}/balances`,
          query: { beneficiaryId },
        })
      ).results[0],

    listUnidentifiedIncoming: async (page: Page = {}) =>
      (
        await ok<Results<IncomingTransaction>>(core, {
          method: 'GET',
          template: `${NA}/incoming-transactions`,
          query: { limit: page.limit, offset: page.offset },
        })
      ).results,
    /** Credits an incoming payment to virtual accounts; the shares must add up to it exactly. */
    identifyIncoming: async (
      operationId: string,
      amountDistribution: readonly Share[],
      idempotencyKey: string,
    ) =>
      ok<Identified>(core, {
        method: 'POST',
        template: `${NA}/incoming-transactions/{operationId}/identify`,
        params: { operationId },
        body: {
          amountDistribution: amountDistribution.map((s) => ({
            beneficiaryId: s.beneficiaryId,
            amount: checkAmount(s.amount, 'a share'),
          })),
        },
        idempotencyKey: keyOf(idempotencyKey),
      }),

    /** A DRAFT deal in the nominal account `accountNumber`. */
    createDeal: async (accountNumber: string, idempotencyKey: string) =>
      ok<Deal>(core, {
        method: 'POST',
        template: `${NA}/deals`,
        body: { accountNumber },
        idempotencyKey: keyOf(idempotencyKey),
      }),
    getDeal,
    /** The deponents' money goes on hold. Idempotent: a deal found accepted (or later) is the answer. */
    acceptDeal: async (dealId: string) =>
      transition(
        core,
        { method: 'POST', template: `${DEAL}/accept`, params: { dealId } },
        () => getDeal(dealId),
        (d) => ACCEPTED_OR_LATER.has(d.status),
      ),
    /** Not after a payout attempt. Idempotent: a deal found cancelled is the answer. */
    cancelDeal: async (dealId: string) =>
      transition(
        core,
        { method: 'POST', template: `${DEAL}/cancel`, params: { dealId } },
        () => getDeal(dealId),
        (d) => d.status === 'CANCELLED',
      ),
    /** Whether the deal can be accepted, and the bank's reasons when not. */
    checkDeal: async (dealId: string) =>
      ok<DealValidity>(core, { method: 'GET', template: `${DEAL}/is-valid`, params: { dealId } }),

    createStep: async (dealId: string, description: string, idempotencyKey: string) =>
      ok<Step>(core, {
        method: 'POST',
        template: `${DEAL}/steps`,
        params: { dealId },
        body: { description },
        idempotencyKey: keyOf(idempotencyKey),
      }),
    updateStep: async (dealId: string, stepId: string, description: string) =>
      ok<Step>(core, { method: 'PUT', template: STEP, params: { dealId, stepId }, body: { description } }),
    /** Starts the step's payouts. Idempotent: a step whose payouts have started is the answer. */
    completeStep: async (dealId: string, stepId: string) =>
      transition(
        core,
        { method: 'POST', template: `${STEP}/complete`, params: { dealId, stepId } },
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
    addRecipient: async (dealId: string, stepId: string, r: NewRecipient, idempotencyKey: string) =>
      ok<Recipient>(core, {
        method: 'POST',
        template: `${STEP}/recipients`,
        params: { dealId, stepId },
        body: { ...r, amount: checkAmount(r.amount) },
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

export type BankClient = ReturnType<typeof createBankClient>;
