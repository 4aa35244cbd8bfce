import type { BankDealAnswer, Difference, FindingKind } from '../../domain/reconciliation.ts';

/** At most one run at a time across every instance (a PostgreSQL advisory lock). */
export interface ReconciliationLock {
  /** Runs `f` while holding the lock; answers ran: false at once when another run holds it. */
  run<T>(f: () => Promise<T>): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }>;
}

/** A deal that has waited for the bank long enough to be asked about. */
export interface WaitingDeal {
  readonly dealId: string;
  readonly bankDealId: string;
  readonly payerId: string;
}

export interface OpenFinding {
  readonly seq: bigint;
  readonly key: string;
}

/** A finding as stored and as operators see it. */
export interface Finding {
  readonly seq: bigint;
  readonly kind: FindingKind;
  readonly subject: string;
  readonly dealId: string | null;
  readonly ours: Difference['ours'];
  readonly bank: Difference['bank'];
  readonly detail: string;
  readonly detectedAt: Date;
  readonly lastSeenAt: Date;
  readonly resolvedAt: Date | null;
}

/** What reconciliation reads and writes in the deals schema. */
export interface ReconciliationStore {
  /** Bank step ids being paid since before `before` with a payout not yet SUCCEEDED, least recently polled first. */
  stepsWaiting(before: Date, limit: number): Promise<readonly string[]>;
  /**
   * Deals at the bank unchanged since `before` that are not final yet, or final but not compared since, or
   * with an open finding (theirs or their payer's); none compared since `roundStart` (so a run pages on),
   * least recently compared first.
   */
  dealsWaiting(before: Date, roundStart: Date, limit: number): Promise<readonly WaitingDeal[]>;
  /** Whether something is still in flight for the deal (a bank or ledger task, a funding being finished). */
  busy(dealId: string): Promise<boolean>;
  /** The payer's deals, and whether any of them is busy. */
  payerDeals(payerId: string): Promise<{ readonly busy: boolean; readonly dealIds: readonly string[] }>;
  payerBeneficiary(payerId: string): Promise<string | undefined>;
  openFindings(subject: string): Promise<readonly OpenFinding[]>;
  /**
   * In one transaction: records the new differences (each with its event in the outbox), moves last_seen_at
   * of those seen again, resolves those gone, and notes the subject as compared at `at`.
   */
  settle(
    subject: string,
    outcome: {
      readonly record: readonly Difference[];
      readonly seen: readonly bigint[];
      readonly close: readonly bigint[];
    },
    at: Date,
  ): Promise<{ readonly recorded: readonly Finding[]; readonly resolved: readonly Finding[] }>;
  /** Notes a subject as compared at `at` without anything to settle (it was busy). */
  markChecked(subject: string, at: Date): Promise<void>;
}

/** The bank as reconciliation asks it (features never hold the bank client). */
export interface ReconciliationBank {
  /** The bank's deal with its steps; undefined when the bank does not know it. */
  deal(bankDealId: string): Promise<BankDealAnswer | undefined>;
  virtualAccount(
    beneficiaryId: string,
  ): Promise<{ readonly amount: bigint; readonly amountOnHold: bigint } | undefined>;
}

/** Balance as reconciliation reads it: the deal's escrow account (ADR 0031), 0 while never opened. */
export interface LedgerReader {
  escrowOf(dealId: string): Promise<bigint>;
}

export interface FindingFilter {
  readonly status: 'open' | 'resolved' | undefined;
  /** Newest first: only findings recorded before this one (the cursor). */
  readonly beforeSeq: bigint | undefined;
}
