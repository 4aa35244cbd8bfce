/**
 * The bank's objects as the client returns them: the shapes of the nominal-account API (as
 * services/bank-sandbox serves it), with every amount as bigint kopecks. Fields the client does not
 * interpret (a beneficiary's profile, a card's mask) are kept under an index signature.
 */

export type BeneficiaryType =
  | 'FL_RESIDENT'
  | 'FL_NONRESIDENT'
  | 'UL_RESIDENT'
  | 'UL_NONRESIDENT'
  | 'IP_RESIDENT'
  | 'IP_NONRESIDENT';
export type ScoringStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
export type DealStatus = 'DRAFT' | 'ACCEPTED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
export type StepStatus = 'NEW' | 'PAYMENT_IN_PROGRESS' | 'PAYMENT_FAILED' | 'COMPLETED' | 'CANCELLED';
export type PaymentStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** A person or company's profile: names for FL/IP (firstName, lastName, ...), `name` for UL. */
export interface NewBeneficiary {
  readonly type: BeneficiaryType;
  readonly inn?: string;
  readonly isSelfEmployed?: boolean;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly middleName?: string;
  readonly birthDate?: string;
  readonly name?: string;
  readonly kpp?: string;
  readonly ogrn?: string;
  readonly phone?: string;
  readonly email?: string;
}

/** What PATCH may change: the profile and, for FL_RESIDENT, self-employment. */
export type BeneficiaryChange = Omit<NewBeneficiary, 'type' | 'inn'>;

export interface Beneficiary {
  readonly beneficiaryId: string;
  readonly type: BeneficiaryType;
  readonly inn: string | null;
  readonly isSelfEmployed: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly [profileField: string]: unknown;
}

export interface Scoring {
  readonly beneficiaryId: string;
  readonly status: ScoringStatus;
  readonly warnings: readonly unknown[];
  readonly errors: readonly unknown[];
}

export type NewBankDetails =
  | {
      readonly type: 'PAYMENT_DETAILS';
      readonly accountNumber: string;
      readonly bik: string;
      readonly bankName?: string;
      readonly corrAccount?: string;
      readonly name?: string;
    }
  | { readonly type: 'CARD'; readonly cardNumber: string };

export interface BankDetails {
  readonly bankDetailsId: string;
  readonly beneficiaryId: string;
  readonly type: 'PAYMENT_DETAILS' | 'CARD';
  readonly isDefault: boolean;
  readonly createdAt: string;
  readonly [detailField: string]: unknown;
}

/** A virtual account: free money and money held by accepted deals. */
export interface Balance {
  readonly beneficiaryId: string;
  readonly amount: bigint;
  readonly amountOnHold: bigint;
}

export interface IncomingTransaction {
  readonly operationId: string;
  readonly amount: bigint;
  readonly payerName: string | null;
  readonly payerInn: string | null;
  readonly payerBik: string | null;
  readonly payerAccount: string | null;
  readonly purpose: string;
  readonly identified: boolean;
  readonly createdAt: string;
}

export interface Share {
  readonly beneficiaryId: string;
  readonly amount: bigint;
}

export interface Identified {
  readonly operationId: string;
  readonly identified: boolean;
  readonly amountDistribution: readonly Share[];
}

export interface Deponent {
  readonly beneficiaryId: string;
  readonly amount: bigint;
}

export interface Recipient {
  readonly recipientId: string;
  readonly beneficiaryId: string;
  readonly amount: bigint;
  readonly purpose: string;
  readonly bankDetailsId: string | null;
  readonly keepOnVirtualAccount: boolean;
}

/** Paid out to `bankDetailsId` (default: the beneficiary's default details) or kept on the virtual account. */
export interface NewRecipient {
  readonly beneficiaryId: string;
  readonly amount: bigint;
  /** At most 210 characters. */
  readonly purpose: string;
  readonly bankDetailsId?: string;
  readonly keepOnVirtualAccount?: boolean;
}

export interface Step {
  readonly stepId: string;
  readonly position: number;
  readonly description: string;
  readonly status: StepStatus;
  readonly deponents: readonly Deponent[];
  readonly recipients: readonly Recipient[];
}

export interface Deal {
  readonly dealId: string;
  readonly accountNumber: string;
  readonly status: DealStatus;
  readonly steps: readonly Step[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Why a deal cannot be accepted yet (deponents' sums, scoring, money on the virtual accounts). */
export interface DealValidity {
  readonly isValid: boolean;
  readonly reasons: ReadonlyArray<{
    readonly code: string;
    readonly description: string;
    readonly details?: Readonly<Record<string, string>>;
  }>;
}

export interface Payment {
  readonly paymentId: string;
  readonly type: 'REGULAR' | 'DEAL';
  readonly dealId: string | null;
  readonly stepId: string | null;
  readonly recipientId: string | null;
  readonly beneficiaryId: string;
  readonly bankDetailsId: string | null;
  readonly keepOnVirtualAccount: boolean;
  readonly amount: bigint;
  readonly purpose: string;
  readonly status: PaymentStatus;
  readonly failureReason: string | null;
  readonly retryOf: string | null;
  readonly retryPaymentId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A REGULAR payout from a virtual account, outside any deal. */
export interface NewPayment {
  readonly beneficiaryId: string;
  readonly amount: bigint;
  /** At most 210 characters. */
  readonly purpose: string;
  readonly bankDetailsId?: string;
}

export interface PaymentRetry {
  readonly paymentId: string;
  readonly retryPaymentId: string;
}

export interface Page {
  /** 1..100, the bank's default 50. */
  readonly limit?: number;
  readonly offset?: number;
}

/** The self-employed API's asynchronous calls, each with its own `/result`. */
export type SelfEmployedOperation =
  | 'recipients/create'
  | 'payment-registry/create'
  | 'payment-registry/submit'
  | 'payment-registry/pay'
  | 'payment-registry/receipts';

export type NpdStatus = 'REGISTRATION_WAIT' | 'NOT_CONFIRM' | 'NOT_ACTIVE' | 'ACTIVE';
export type ReceiptStatus = 'IN_PROGRESS' | 'SUCCESS' | 'CANCELED' | 'FISCALIZE_FAILED' | 'ERROR';

export interface NpdStatusAnswer {
  readonly inn: string;
  readonly requestDate: string;
  /** True only while the person is ACTIVE. */
  readonly status: boolean;
  readonly selfEmployedStatus: NpdStatus;
  readonly recipientId: number | null;
  readonly message: string;
}

export interface NewSelfEmployed {
  readonly number: number;
  readonly inn: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly middleName?: string;
}

export interface SelfEmployedRecipient {
  readonly id: number;
  readonly inn: string;
  readonly selfEmployedStatus: NpdStatus;
  readonly firstName: string;
  readonly lastName: string;
}

/** One payment of a registry; `sum` is bigint kopecks, sent as decimal rubles. */
export interface NewRegistryPayment {
  readonly number: number;
  readonly recipientId: number;
  readonly sum: bigint;
  /** At most 210 characters. */
  readonly paymentPurpose: string;
}

/** A receipt as `payment-registry/receipts/result` lists it. */
export interface SelfEmployedReceipt {
  readonly number: number;
  readonly status: ReceiptStatus;
  readonly receiptNumber: string | null;
  readonly link: string | null;
  readonly sum: bigint;
  readonly error: { readonly errorCode: string; readonly errorMessage: string } | null;
}
