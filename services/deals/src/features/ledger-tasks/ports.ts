import type { LedgerSubject, LedgerTask } from '../../domain/ledger-tasks.ts';

/** A task the worker holds for one attempt (see infra/ledger-tasks.ts). */
export interface HeldLedgerTask {
  readonly seq: bigint;
  readonly key: string;
  readonly dealId: string;
  readonly task: LedgerTask;
  /** Attempts including this one. */
  readonly attempt: number;
  readonly traceId: string | null;
}

/** The durable queue of ledger tasks. */
export interface LedgerTaskQueue {
  claim(now: Date, leaseUntil: Date, limit: number): Promise<HeldLedgerTask[]>;
  complete(seq: bigint, at: Date, transferId: string): Promise<void>;
  reschedule(seq: bigint, next: Date, error: string): Promise<void>;
}

/** Which balance account each subject is, once opened (kept in deals: balance replays keys for a day). */
export interface LedgerAccounts {
  find(subject: LedgerSubject): Promise<string | undefined>;
  /** Keeps the account opened for the subject and answers the one kept (the first, if two raced). */
  keep(subject: LedgerSubject, accountId: string, at: Date): Promise<string>;
}

export interface NewLedgerAccount {
  readonly name: string;
  readonly allowNegative: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface LedgerTransfer {
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Balance as the ledger worker needs it, reached as deals' own service client. Every call carries the
 * Idempotency-Key it is given, so performing a task again opens no second account and moves no money twice;
 * a call that tells nothing (balance down, a timeout) throws, and the task is tried again later.
 */
export interface DealLedger {
  openAccount(account: NewLedgerAccount, idempotencyKey: string, traceId: string): Promise<string>;
  transfer(transfer: LedgerTransfer, idempotencyKey: string, traceId: string): Promise<string>;
}
