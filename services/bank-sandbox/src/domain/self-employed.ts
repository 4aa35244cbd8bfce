import { isValidAccountForBik, isValidInn } from '@strongbox/kernel';

/**
 * The bank's self-employed API (payouts to people on the professional income tax, NPD): recipients
 * identified by INN, their NPD status, payment registries and the receipts the tax service issues for
 * each payment. Pure rules; the routes and the tick worker apply them.
 */

export const NPD_STATUSES = ['REGISTRATION_WAIT', 'NOT_CONFIRM', 'NOT_ACTIVE', 'ACTIVE'] as const;
export type NpdStatus = (typeof NPD_STATUSES)[number];

export const RECEIPT_STATUSES = ['IN_PROGRESS', 'SUCCESS', 'CANCELED', 'FISCALIZE_FAILED', 'ERROR'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** The registry's life: created as a DRAFT, SUBMITTED (signed), then paid. */
export type RegistryStatus = 'DRAFT' | 'SUBMITTED' | 'PROCESSING' | 'EXECUTED' | 'PART_EXEC' | 'REJECTED';
export type RegistryPaymentStatus = 'WAITING' | 'EXECUTED' | 'REJECTED';

/** How long the bank takes, by the sandbox's clock, before an asynchronous call's result is ready. */
export const OPERATION_READY_MS = 500;
/** How long a new recipient waits for the tax service before its NPD status is known. */
export const REGISTRATION_MS = 1_000;
/** How long a paid payment's receipt takes to be issued. */
export const FISCALIZATION_MS = 1_000;
/** The bank keeps an asynchronous call's result for two days. */
export const RESULT_RETENTION_MS = 2 * 86_400_000;
export const RECIPIENTS_PER_CALL_MAX = 100;
export const PAYMENTS_PER_REGISTRY_MAX = 1_000;

/** A field-level error as the self-employed API writes them in its results. */
export interface FieldError {
  readonly fieldName: string;
  readonly errorDescription: string;
}

/** A recipient is a person: a 12-digit INN whose control digits are right. */
export function checkRecipientInn(inn: string): FieldError | undefined {
  return isValidInn(inn, 'person')
    ? undefined
    : { fieldName: 'inn', errorDescription: `${inn} is not a valid 12-digit INN of a person` };
}

/** The bank's own BIK: an account given without a BIK is one at the bank. */
export const OWN_BIK = '044525974';

/** recipients/add/by-requisites names the person's account: its control key must match the BIK. */
export function checkBankInfo(info: {
  accountNumber: string;
  bankBic?: string | undefined;
}): FieldError | undefined {
  return isValidAccountForBik(info.accountNumber, info.bankBic ?? OWN_BIK)
    ? undefined
    : { fieldName: 'bankInfo.accountNumber', errorDescription: 'The account number does not match the BIK' };
}

/**
 * Where a waiting registration goes once its time has come: ACTIVE, unless /_sim/ set the INN's status,
 * in which case it takes that one (and a set REGISTRATION_WAIT keeps it waiting: undefined, no change).
 */
export function decideRegistration(override: NpdStatus | undefined): NpdStatus | undefined {
  if (override === undefined) return 'ACTIVE';
  return override === 'REGISTRATION_WAIT' ? undefined : override;
}

/** The recipient card's own status follows its NPD status: PROCESSING while the tax service answers. */
export function recipientStatusOf(npd: NpdStatus): 'PROCESSING' | 'ACTIVE' | 'REJECTED' {
  switch (npd) {
    case 'REGISTRATION_WAIT':
      return 'PROCESSING';
    case 'ACTIVE':
      return 'ACTIVE';
    case 'NOT_CONFIRM':
    case 'NOT_ACTIVE':
      return 'REJECTED';
    default: {
      const unreachable: never = npd;
      throw new Error(`unknown NPD status ${String(unreachable)}`);
    }
  }
}

/** Only an ACTIVE self-employed person can be paid: the bank refuses the payment otherwise. */
export function checkPayee(recipient: { readonly npdStatus: NpdStatus } | undefined): FieldError | undefined {
  if (!recipient) return { fieldName: 'recipientId', errorDescription: 'No such recipient' };
  if (recipient.npdStatus !== 'ACTIVE')
    return {
      fieldName: 'recipientId',
      errorDescription: `The recipient's NPD status is ${recipient.npdStatus}, not ACTIVE`,
    };
  return undefined;
}

export interface ReceiptOutcome {
  readonly status: ReceiptStatus;
  readonly error?: { readonly errorCode: string; readonly errorMessage: string };
}

/**
 * The receipt of a paid payment when its time comes: the tax service fails it for an INN a test named,
 * refuses it (ERROR) when the person is no longer an ACTIVE self-employed, and issues it otherwise.
 */
export function decideReceipt(npd: NpdStatus, fiscalizationFails: boolean): ReceiptOutcome {
  if (fiscalizationFails)
    return {
      status: 'FISCALIZE_FAILED',
      error: { errorCode: 'FISCALIZE_FAILED', errorMessage: 'The tax service did not register the income' },
    };
  if (npd !== 'ACTIVE')
    return {
      status: 'ERROR',
      error: { errorCode: 'NPD_STATUS_NOT_ACTIVE', errorMessage: `The NPD status is ${npd}` },
    };
  return { status: 'SUCCESS' };
}

/** An issued receipt can be annulled later (the person or the tax service cancels it); nothing else can. */
export function canCancelReceipt(status: ReceiptStatus): boolean {
  return status === 'SUCCESS';
}

/** A paid registry is EXECUTED once no receipt is pending, PART_EXEC if some payments were refused. */
export function paidRegistryStatus(
  payments: ReadonlyArray<{ status: RegistryPaymentStatus; receipt: ReceiptStatus | null }>,
): RegistryStatus {
  if (payments.some((p) => p.receipt === 'IN_PROGRESS')) return 'PROCESSING';
  return payResultStatus(payments.filter((p) => p.status === 'EXECUTED').length, payments.length);
}

/** The pay call's own status: all of a registry's payments executed, some of them, or none. */
export function payResultStatus(executed: number, total: number): 'EXECUTED' | 'PART_EXEC' | 'REJECTED' {
  if (executed === 0) return 'REJECTED';
  return executed === total ? 'EXECUTED' : 'PART_EXEC';
}

/** The registry actions and the status each needs before it: submit signs a DRAFT, pay pays a SUBMITTED. */
export type RegistryAction = 'submit' | 'pay';
export function checkRegistryAction(action: RegistryAction, status: RegistryStatus): string | undefined {
  const needed: RegistryStatus = action === 'submit' ? 'DRAFT' : 'SUBMITTED';
  return status === needed ? undefined : `The registry is ${status}; ${action} needs ${needed}`;
}

/** A receipt's number in the tax service's style (short, lower-case base 36), unique per registry payment. */
export function receiptNumberOf(registryId: number, paymentNumber: number): string {
  return `20${registryId.toString(36)}${paymentNumber.toString(36).padStart(4, '0')}`;
}

/** The receipt's public link, in the form the tax service prints (per INN and receipt number). */
export function receiptLinkOf(inn: string, receiptNumber: string): string {
  return `https://lknpd.nalog.ru/api/v1/receipt/${inn}/${receiptNumber}/print`;
}
