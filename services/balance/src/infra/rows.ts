import type { Account, AccountRecord, Metadata, Transfer, TransferStatus } from '../domain/ledger.ts';

/** Column lists and row mappers shared by the ledger's queries; BIGINT columns arrive as bigint. */
export const ACCOUNT_COLUMNS =
  'id, owner_id, currency, allow_negative, posted_debits, posted_credits, pending_debits, version';
export const ACCOUNT_RECORD_COLUMNS = `${ACCOUNT_COLUMNS}, name, metadata, created_at`;
export const TRANSFER_COLUMNS = `id, debit_account_id, credit_account_id, amount, currency, status, posted_amount,
  description, metadata, trace_id, created_by, created_at, expires_at`;
/** TRANSFER_COLUMNS of the table aliased `t`, for queries that join transfers to something else. */
export const TRANSFER_COLUMNS_OF_T = TRANSFER_COLUMNS.split(',')
  .map((c) => `t.${c.trim()}`)
  .join(', ');

export interface AccountRow {
  id: string;
  owner_id: string;
  currency: string;
  allow_negative: boolean;
  posted_debits: bigint;
  posted_credits: bigint;
  pending_debits: bigint;
  version: bigint;
}

export interface AccountRecordRow extends AccountRow {
  name: string;
  metadata: Metadata;
  created_at: Date;
}

export interface TransferRow {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  status: TransferStatus;
  posted_amount: bigint;
  description: string | null;
  metadata: Metadata;
  trace_id: string | null;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
}

export function toAccount(r: AccountRow): Account {
  return {
    id: r.id,
    ownerId: r.owner_id,
    currency: r.currency,
    allowNegative: r.allow_negative,
    postedDebits: r.posted_debits,
    postedCredits: r.posted_credits,
    pendingDebits: r.pending_debits,
    version: r.version,
  };
}

export function toAccountRecord(r: AccountRecordRow): AccountRecord {
  return { ...toAccount(r), name: r.name, metadata: r.metadata, createdAt: r.created_at };
}

export function toTransfer(r: TransferRow): Transfer {
  return {
    id: r.id,
    debitAccountId: r.debit_account_id,
    creditAccountId: r.credit_account_id,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    postedAmount: r.posted_amount,
    description: r.description,
    metadata: r.metadata,
    traceId: r.trace_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}
