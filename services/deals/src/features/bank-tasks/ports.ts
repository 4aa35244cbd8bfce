import type { BankTask } from '../../domain/bank-tasks.ts';
import type { Deal } from '../../domain/deal.ts';
import type { DealCommand } from '../../domain/decide.ts';

/** A task the worker holds for one attempt (see infra/bank-tasks.ts). */
export interface HeldBankTask {
  readonly seq: bigint;
  readonly key: string;
  /** The deal, or the payout profile for register_recipient. */
  readonly subjectId: string;
  readonly dealId: string;
  readonly task: BankTask;
  /** Attempts including this one. */
  readonly attempt: number;
  readonly traceId: string | null;
}

/** The durable queue of bank tasks. */
export interface BankTaskQueue {
  claim(now: Date, leaseUntil: Date, limit: number): Promise<HeldBankTask[]>;
  complete(seq: bigint, at: Date): Promise<void>;
  reschedule(seq: bigint, next: Date, error: string): Promise<void>;
  /** Ends the task as the bank's part of it cannot be done: it waits for an operator, and so do its
   * subject's later tasks (ADR 0035). */
  handOver(seq: bigint, reason: string): Promise<void>;
}

/** The deals as the worker reads and changes them: folded from their events, changed by commands. */
export interface DealStore {
  load(dealId: string): Promise<Deal | null>;
  /** Runs a command of the system (the bank's answer) on a deal; answers the refusal code, if any. */
  record(
    dealId: string,
    command: DealCommand,
    traceId: string | null,
  ): Promise<{ readonly refused?: string }>;
}

/** Derives the Idempotency-Key of one named bank call of the task being performed. */
export type KeyFor = (call: string) => string;

/**
 * The bank as the bank-task worker needs it, in the deal's own terms. The adapter over the bank's HTTP API
 * maps a deal to the bank's deals, steps, deponents and recipients; every call it makes carries a key from
 * `key`, so performing a task again repeats no effect at the bank.
 */
export interface DealBank {
  /** Opens the deal at the bank (or finds the one a previous attempt opened) and answers its id. */
  registerDeal(deal: Deal, key: KeyFor): Promise<{ readonly bankDealId: string }>;
  acceptDeal(deal: Deal, key: KeyFor): Promise<void>;
  /** Completes the milestone's step: the bank starts paying its recipients. */
  payMilestone(deal: Deal, milestoneId: string, key: KeyFor): Promise<void>;
  retryPayout(deal: Deal, payoutId: string, key: KeyFor): Promise<void>;
  cancelDeal(deal: Deal, key: KeyFor): Promise<void>;
  /**
   * Carries out a refund at the bank (ADR 0035): cancels the bank's deal, or reduces its steps; resumes
   * from the bank's current state. Answers `needs_operator` when the bank can no longer do it.
   */
  refund(deal: Deal, refund: RefundTask, key: KeyFor): Promise<RefundOutcome>;
  /**
   * Makes the payout profile a beneficiary with its current bank details (or finds what an earlier attempt
   * made) and answers its scoring; the task waits while the bank is still scoring it.
   */
  registerRecipient(recipientId: string, key: KeyFor): Promise<{ readonly scoring: BankScoring }>;
}

export type RefundTask = Extract<BankTask, { kind: 'refund' }>;

export type RefundOutcome =
  | { readonly kind: 'refunded' }
  | { readonly kind: 'needs_operator'; readonly reason: string };

export type BankScoring = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

/** The bank has not finished something the task needs (scoring, a beneficiary): try again later. */
export class BankNotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BankNotReady';
  }
}

/** The bank said no for good (a 4xx other than 429): retrying the same call will not change its mind. */
export class BankRefusal extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BankRefusal';
    this.code = code;
  }
}
