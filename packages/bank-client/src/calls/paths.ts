/** The bank's path templates; `{name}` is filled in (URL-encoded) from a call's params. */
export const NA = '/api/v1/nominal-accounts';
export const BENEFICIARY = `${NA}/beneficiaries/{beneficiaryId}`;
export const BANK_DETAILS = `${BENEFICIARY}/bank-details`;
export const DEAL = `${NA}/deals/{dealId}`;
export const STEP = `${DEAL}/steps/{stepId}`;
export const PAYMENT = `${NA}/payments/{paymentId}`;

/** The bank's list answers. */
export type Results<T> = { readonly results: readonly T[] };
