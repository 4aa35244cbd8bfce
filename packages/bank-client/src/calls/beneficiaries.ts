import { checkAmount } from '../amounts.ts';
import { type BankCore, keyOf, ok } from '../client.ts';
import type {
  Balance,
  BankDetails,
  Beneficiary,
  BeneficiaryChange,
  Identified,
  IncomingTransaction,
  NewBankDetails,
  NewBeneficiary,
  Page,
  Scoring,
  Share,
} from '../types.ts';
import { BANK_DETAILS, BENEFICIARY, NA, type Results } from './paths.ts';

/** Beneficiaries, their scoring, bank details and virtual accounts, and identifying incoming money. */
export function beneficiaryCalls(core: BankCore) {
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
    listBeneficiaries: async (page: Page = {}) =>
      (
        await ok<Results<Beneficiary>>(core, {
          method: 'GET',
          template: `${NA}/beneficiaries`,
          query: { limit: page.limit, offset: page.offset },
        })
      ).results,
    /** Profile and self-employment only; the type and INN never change. PATCH: sending it again is harmless. */
    updateBeneficiary: async (beneficiaryId: string, change: BeneficiaryChange) =>
      ok<Beneficiary>(core, {
        method: 'PATCH',
        template: BENEFICIARY,
        params: { beneficiaryId },
        body: change,
      }),
    /** The beneficiary's scoring (IN_PROGRESS, SUCCEEDED or FAILED); undefined for an unknown beneficiary. */
    getScoring: async (beneficiaryId: string): Promise<Scoring | undefined> =>
      (
        await ok<Results<Scoring>>(core, {
          method: 'GET',
          template: '/api/v2/nominal-accounts/beneficiaries/scoring',
          query: { beneficiaryId },
        })
      ).results[0],

    /** The first bank details of a beneficiary become its default. */
    createBankDetails: async (beneficiaryId: string, d: NewBankDetails, idempotencyKey: string) =>
      ok<BankDetails>(core, {
        method: 'POST',
        template: BANK_DETAILS,
        params: { beneficiaryId },
        body: d,
        idempotencyKey: keyOf(idempotencyKey),
      }),
    getBankDetails: async (beneficiaryId: string, bankDetailsId: string) =>
      ok<BankDetails>(core, {
        method: 'GET',
        template: `${BANK_DETAILS}/{bankDetailsId}`,
        params: { beneficiaryId, bankDetailsId },
      }),
    listBankDetails: async (beneficiaryId: string) =>
      (
        await ok<Results<BankDetails>>(core, {
          method: 'GET',
          template: BANK_DETAILS,
          params: { beneficiaryId },
        })
      ).results,
    /** Idempotent by nature: making the default the default again changes nothing. */
    setDefaultBankDetails: async (beneficiaryId: string, bankDetailsId: string) =>
      ok<BankDetails>(core, {
        method: 'POST',
        template: `${BANK_DETAILS}/{bankDetailsId}/set-default`,
        params: { beneficiaryId, bankDetailsId },
      }),
    /** The oldest remaining details become the default. */
    deleteBankDetails: async (beneficiaryId: string, bankDetailsId: string): Promise<void> =>
      ok<undefined>(core, {
        method: 'DELETE',
        template: `${BANK_DETAILS}/{bankDetailsId}`,
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
  };
}
