import type { InFlightKeys } from '@strongbox/http';
import type { Clock, IdempotentOutcome, IdempotentRequest, StoredResponse } from '@strongbox/kernel';
import type { LedgerCommand, Rejection } from './domain/decide.ts';
import type { AccountRecord, Entry, Metadata, Transfer } from './domain/ledger.ts';

/** What one command of a unit came to. */
export type CommandOutcome =
  | { readonly ok: true; readonly transfer: Transfer }
  | { readonly ok: false; readonly rejection: Rejection };

/**
 * One request's worth of ledger work for the group commit: one command, or a batch request's commands.
 * `render` turns the outcomes into the answer inside the batch's transaction, so the answer is stored
 * under the Idempotency-Key together with the effects.
 */
export interface LedgerUnit {
  readonly commands: readonly LedgerCommand[];
  /** All commands take effect or none does; the outcomes then stop at the first rejection. */
  readonly atomic: boolean;
  readonly idempotency: IdempotentRequest | null;
  readonly traceId: string | null;
  readonly render: (outcomes: readonly CommandOutcome[]) => StoredResponse;
  /**
   * One create command whose accepted answer is `render` of the transfer as created: its key is then kept
   * in the transfer's own row, and a replay renders the answer again from it (ADR 0037). A rejection's
   * answer is stored under the key as for any other unit.
   */
  readonly keyInTransfer?: boolean;
}

/**
 * Lists run newest first. A page request names the sort key to continue below (from the previous page's
 * cursor); adapters answer up to `limit + 1` items, the extra one telling that another page exists.
 */
export interface PageRequest<K> {
  readonly limit: number;
  readonly before: K | null;
}

export interface TransferWithOwners {
  readonly transfer: Transfer;
  readonly debitOwnerId: string;
  readonly creditOwnerId: string;
}

export interface NewAccount {
  readonly ownerId: string;
  readonly currency: string;
  readonly name: string;
  readonly allowNegative: boolean;
  readonly metadata: Metadata;
  readonly traceId: string;
}

/**
 * What the use cases need from the outside world; `app.ts` wires these to PostgreSQL and the group
 * commit.
 */
export interface BalancePorts {
  readonly clock: Clock;
  readonly newTransferId: () => string;
  readonly accounts: {
    create(
      account: NewAccount,
      idempotency: IdempotentRequest,
      render: (a: AccountRecord) => StoredResponse,
    ): Promise<IdempotentOutcome>;
    find(id: string): Promise<AccountRecord | undefined>;
    list(filter: { ownerId: string | null }, page: PageRequest<string>): Promise<AccountRecord[]>;
    entries(accountId: string, page: PageRequest<bigint>): Promise<Array<Entry & { createdAt: Date }>>;
    balanceAt(accountId: string, at: Date): Promise<bigint>;
  };
  readonly transfers: {
    find(id: string): Promise<TransferWithOwners | undefined>;
    list(
      filter: { accountId: string } | { ownerId: string } | { all: true },
      page: PageRequest<string>,
    ): Promise<Transfer[]>;
  };
  readonly ledger: {
    submit(unit: LedgerUnit): Promise<IdempotentOutcome>;
  };
  readonly audit: {
    run(): Promise<AuditReport>;
  };
  /** Requests with one (caller, key) in flight in this process share one execution (ADR 0012). */
  readonly inFlight: InFlightKeys;
}

export interface AuditCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly description: string;
  readonly figures: Readonly<Record<string, number | string>>;
  /** Ids (accounts, transfers, currencies) that break the check; at most AUDIT_OFFENDERS_MAX. */
  readonly offending: readonly string[];
}

export interface AuditReport {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly checks: readonly AuditCheck[];
}
