/**
 * The ledger's state as decisions see it (ADR 0010). Amounts are integer minor units in `bigint`.
 * An account keeps running totals, like TigerBeetle's: posted debits, posted credits and pending debits
 * (money held by pending transfers). Its balance is credits minus debits; what it may still spend is the
 * balance minus what is held.
 */

/** The largest amount one transfer may move: 2^53 − 1, the largest integer a JSON number carries exactly. */
export const AMOUNT_MAX = 9_007_199_254_740_991n;
/**
 * No running total of an account may pass this either (ADR 0010), so every figure the API shows is an exact
 * JSON number and no sum can overflow BIGINT. At 2^53 − 1 minor units this is ~90 trillion dollars.
 */
export const ACCOUNT_TOTAL_MAX = AMOUNT_MAX;
/** A pending transfer without `timeoutSeconds` expires after a week, like a card authorisation. */
export const PENDING_TIMEOUT_DEFAULT_S = 7 * 24 * 60 * 60;
export const PENDING_TIMEOUT_MAX_S = 30 * 24 * 60 * 60;

export const TRANSFER_STATUSES = ['posted', 'pending', 'voided', 'expired'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

export type MetadataValue = string | number | boolean | null;
export type Metadata = Readonly<Record<string, MetadataValue>>;

export interface Account {
  readonly id: string;
  readonly ownerId: string;
  readonly currency: string;
  readonly allowNegative: boolean;
  readonly postedDebits: bigint;
  readonly postedCredits: bigint;
  readonly pendingDebits: bigint;
  /** Incremented by every change, so an entry's `version` orders an account's history. */
  readonly version: bigint;
}

/** An account with its descriptive fields, as stored and shown. */
export interface AccountRecord extends Account {
  readonly name: string;
  readonly metadata: Metadata;
  readonly createdAt: Date;
}

export interface Transfer {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly status: TransferStatus;
  /** What actually moved: the amount for a posted transfer, the captured part of a pending one, else 0. */
  readonly postedAmount: bigint;
  readonly description: string | null;
  readonly metadata: Metadata;
  readonly traceId: string | null;
  /** The principal that created it; only it (or staff and services) may post or void it. */
  readonly createdBy: string;
  readonly createdAt: Date;
  /** When a pending transfer expires by itself (kept after it resolves); null for a posted one. */
  readonly expiresAt: Date | null;
}

/** One side of a posted movement on one account, with the account's balance right after it. */
export interface Entry {
  readonly accountId: string;
  readonly transferId: string;
  readonly direction: 'debit' | 'credit';
  readonly amount: bigint;
  readonly balanceAfter: bigint;
  /** The account's version after this entry. */
  readonly version: bigint;
}

export function balanceOf(a: Account): bigint {
  return a.postedCredits - a.postedDebits;
}

export function availableOf(a: Account): bigint {
  return balanceOf(a) - a.pendingDebits;
}
