/**
 * The client's one error catalogue. A caller tells three outcomes apart:
 *
 * - `BankError`: the bank answered and refused (a 4xx in its shape). Its answer is final for this request;
 *   the client never retries it, and the caller decides (wrong INN, not enough money, wrong state).
 * - `BankUnavailable`: nothing was decided as far as the client can tell (the circuit is open, the retries
 *   ran out on network errors, timeouts, 5xx or 429, or the local rate limiter's queue is full). Retrying
 *   later with the same Idempotency-Key is safe.
 * - `BankResponseInvalid`: the bank answered 2xx with a body the client cannot read (not JSON, or an
 *   amount that is not decimal rubles). A broken contract, worth an alert, never retried.
 */

/** The bank's error body, as every failure of its API answers. */
export interface BankErrorBody {
  readonly errorId: string;
  readonly errorMessage: string;
  readonly errorCode: string;
  readonly errorDetails: unknown;
}

/** The bank refused the request: its HTTP status and its error body. */
export class BankError extends Error {
  override readonly name = 'BankError';
  readonly status: number;
  readonly errorId: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly errorDetails: unknown;
  constructor(status: number, body: BankErrorBody) {
    super(`the bank answered ${status} ${body.errorCode}: ${body.errorMessage}`);
    this.status = status;
    this.errorId = body.errorId;
    this.errorCode = body.errorCode;
    this.errorMessage = body.errorMessage;
    this.errorDetails = body.errorDetails;
  }
}

export type UnavailableReason = 'circuit_open' | 'retries_exhausted' | 'rate_limit_queue_full';

/** What the last try saw, when there was one: a status and error code, or a network error or timeout. */
export interface LastFailure {
  readonly status?: number;
  readonly errorCode?: string;
  readonly message: string;
}

/** The bank could not be reached or gave no decision: try again later with the same Idempotency-Key. */
export class BankUnavailable extends Error {
  override readonly name = 'BankUnavailable';
  readonly reason: UnavailableReason;
  readonly last: LastFailure | undefined;
  constructor(reason: UnavailableReason, message: string, last?: LastFailure) {
    super(`the bank is unavailable (${reason}): ${message}`);
    this.reason = reason;
    this.last = last;
  }
}

/** The bank answered a success the client cannot read: a broken contract, not a transient failure. */
export class BankResponseInvalid extends Error {
  override readonly name = 'BankResponseInvalid';
  readonly status: number;
  constructor(status: number, message: string) {
    super(`the bank's ${status} answer is not readable: ${message}`);
    this.status = status;
  }
}

/**
 * One try that told nothing (network error, 5xx, 429, 409 IDEMPOTENCY_IN_PROGRESS). Internal: the policy
 * retries it and turns the last one into BankUnavailable.
 */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
  readonly failure: LastFailure;
  /** The bank's Retry-After, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(failure: LastFailure, retryAfterMs?: number) {
    super(failure.message);
    this.failure = failure;
    this.retryAfterMs = retryAfterMs;
  }
}
