import type { Clock, IdempotentOutcome, IdempotentRequest, StoredResponse } from '@strongbox/kernel';
import type { Deal } from './domain/deal.ts';
import type { Actor, DealCommand, DealRejection } from './domain/decide.ts';
import type { DealEvent, DealEventType } from './domain/events.ts';
import type { QueueItem } from './domain/operator-queue.ts';
import type { PlatformFee } from './domain/platform-fee.ts';
import type { Recipient } from './domain/recipient.ts';
import type { DealView } from './domain/view.ts';
import type { Finding, FindingFilter } from './features/reconciliation/ports.ts';

/** Where a page of the operators' queue starts: after this item, in its order. */
export interface QueueCursor {
  readonly since: Date;
  readonly itemId: string;
}

import type { RecipientPayoutRow } from './infra/recipient-payouts.ts';

export interface CommandInput {
  readonly dealId: string;
  readonly command: DealCommand;
  readonly actor: Actor;
  /** The version the client last saw (`If-Match`): a deal that has moved on since answers a conflict. */
  readonly expectedVersion?: number;
  readonly traceId?: string;
}

export type CommandOutcome =
  | { readonly ok: true; readonly deal: Deal; readonly events: readonly DealEvent[] }
  | { readonly ok: false; readonly code: DealRejection | 'deal_version_conflict' };

export type DealRole = 'agent' | 'payer';

export interface DealListFilter {
  readonly role: DealRole | undefined;
  readonly status: string | undefined;
  /** Newest first: only deals whose id sorts before this one (the cursor). */
  readonly beforeId: string | undefined;
}

/** One entry of a deal's audit trail: an event as the store recorded it. */
export interface AuditEntry {
  readonly version: number;
  readonly type: DealEventType;
  readonly data: unknown;
  readonly traceId: string | null;
  readonly recordedAt: Date;
}

export type NotificationVerdict =
  | 'authentic'
  | 'signature_missing'
  | 'signature_malformed'
  | 'signature_stale'
  | 'signature_mismatch';

export type PayerLookup =
  | { readonly kind: 'found'; readonly userId: string }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'unavailable' };

export interface NotificationReceipt {
  readonly notificationId: string;
  readonly verdict: NotificationVerdict;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
  readonly traceId: string;
}

/** What the deals use cases need from the outside world; app.ts wires it to PostgreSQL. */
/** The marketplace's nominal account as payers are shown it (BANK_NOMINAL_*, DEALS_PAYEE_*). */
export interface NominalAccount {
  readonly accountNumber: string;
  readonly bik: string | null;
  readonly bankName: string | null;
  readonly payeeName: string | null;
  readonly payeeInn: string | null;
}

export interface DealsPorts {
  readonly clock: Clock;
  /** Where payers pay; absent when deals runs without a bank. */
  readonly nominalAccount?: NominalAccount;
  /** What a share naming `platform_fee` resolves to; absent when no platform profile is configured. */
  readonly platformFee?: PlatformFee;
  newId(prefix: 'deal' | 'mst' | 'pay' | 'rcp' | 'dsp'): string;
  /** Runs a command under the request's Idempotency-Key: the answer is recorded with the events. */
  keyedCommand(
    req: IdempotentRequest,
    input: CommandInput,
    render: (outcome: CommandOutcome) => StoredResponse,
  ): Promise<IdempotentOutcome>;
  /** Runs a command made safe to repeat by its expected version (PATCH with If-Match). */
  command(input: CommandInput): Promise<CommandOutcome>;
  /** Who has this email, asked of identity with deals' own service token. */
  userByEmail(email: string, traceId: string): Promise<PayerLookup>;
  loadDeal(dealId: string): Promise<Deal | null>;
  findView(dealId: string): Promise<DealView | undefined>;
  listViews(userId: string, filter: DealListFilter, limit: number): Promise<DealView[]>;
  listAllViews(filter: Pick<DealListFilter, 'status' | 'beforeId'>, limit: number): Promise<DealView[]>;
  auditTrail(dealId: string, afterVersion: number, limit: number): Promise<AuditEntry[]>;
  /** Open items of the operators' queue, oldest first, after `cursor`. */
  listQueue(cursor: QueueCursor | undefined, limit: number): Promise<QueueItem[]>;
  /** Reconciliation's findings, newest first (operators). */
  listFindings(filter: FindingFilter, limit: number): Promise<Finding[]>;
  /** The user behind each recipient id that has a payout profile. */
  recipientUsers(recipientIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  recipientOf(userId: string): Promise<Recipient | undefined>;
  /** The user's payouts as a recipient (their payout profile's), newest first, before `beforeId`. */
  myPayouts(userId: string, beforeId: string | undefined, limit: number): Promise<RecipientPayoutRow[]>;
  /** Creates or replaces the caller's payout profile under the request's Idempotency-Key. */
  saveRecipient(
    req: IdempotentRequest,
    profile: (existing: Recipient | undefined, now: Date) => Recipient,
    render: (r: Recipient, created: boolean) => StoredResponse,
  ): Promise<IdempotentOutcome>;
  /** Stores a notification in the insert-only log; `fresh` is false for an authentic duplicate. */
  receiveNotification(n: NotificationReceipt): Promise<{ fresh: boolean }>;
  /** Checks a notification's signature against the configured secrets and the clock. */
  verifyNotification(n: {
    timestamp: string | undefined;
    signature: string | undefined;
    rawBody: Buffer;
  }): NotificationVerdict;
}
