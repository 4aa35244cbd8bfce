import { type BackoffPolicy, backoffMs } from '@strongbox/kernel';
import { TransactionAborted } from '@strongbox/postgres';

/** Attempts before a failing event is dead-lettered: about two minutes of retries with the default backoff. */
export const CONSUMER_ATTEMPTS_MAX_DEFAULT = 8;
export const CONSUMER_ATTEMPTS_MAX_LIMIT = 100;
export const CONSUMER_CONCURRENCY_DEFAULT = 4;
export const CONSUMER_CONCURRENCY_MAX = 64;
/** Full-jitter delay before retry n is uniform in [0, min(60 s, 0.5 s × 2^n)]. */
export const CONSUMER_RETRY_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 60_000 };
/** Error texts are stored and shown to operators; a stack or a huge message is cut here. */
export const ERROR_TEXT_MAX = 2_000;

export type FailureDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'dead-letter' };

/**
 * After attempt `attempt` (1-based) of an event failed: retry after a jittered, growing delay, or give up
 * once `attemptsMax` attempts have failed.
 *
 * @example
 * decideAfterFailure(8, 8, CONSUMER_RETRY_BACKOFF, Math.random) // { kind: 'dead-letter' }
 */
export function decideAfterFailure(
  attempt: number,
  attemptsMax: number,
  backoff: BackoffPolicy,
  random: () => number,
): FailureDecision {
  if (attempt >= attemptsMax) return { kind: 'dead-letter' };
  return { kind: 'retry', delayMs: backoffMs(attempt, backoff, random) };
}

/**
 * A delivery beyond `attemptsMax` means earlier deliveries ended without any outcome (the process died in
 * the handler each time): running the handler again would crash again, so the event is dead-lettered.
 */
export function overDeliveryLimit(attempt: number, attemptsMax: number): boolean {
  return attempt > attemptsMax;
}

export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > ERROR_TEXT_MAX ? `${text.slice(0, ERROR_TEXT_MAX - 1)}…` : text;
}

/** Problems with a consumer's limits, empty when they are fine. */
export function limitProblems(attemptsMax: number, concurrency: number): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(attemptsMax) || attemptsMax < 1 || attemptsMax > CONSUMER_ATTEMPTS_MAX_LIMIT) {
    problems.push(`attemptsMax must be an integer from 1 to ${CONSUMER_ATTEMPTS_MAX_LIMIT}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > CONSUMER_CONCURRENCY_MAX) {
    problems.push(`concurrency must be an integer from 1 to ${CONSUMER_CONCURRENCY_MAX}`);
  }
  return problems;
}

/** A handler's own error, kept apart from the transaction's own (BEGIN, the inbox row, COMMIT). */
export class HandlerFailed extends Error {
  readonly original: unknown;
  constructor(original: unknown) {
    super(describeError(original));
    this.original = original;
  }
}

/** SQLSTATE classes caused by one row's data (22 data exception, 23 integrity constraint violation). */
const DATA_ERROR = /^2[23]/;

/**
 * Whether a failed batch is split to find the event that broke it. Yes for what one event can cause: a
 * handler's own error (a bug, bad data, a failed call it makes), a data error, a statement whose error a
 * handler swallowed (TransactionAborted). No for what would fail every half alike and only multiply the
 * work: the database unreachable, out of connections or time, read-only, or a lock wait timed out.
 */
export function splitsBatch(err: unknown): boolean {
  if (err instanceof TransactionAborted) return true;
  if (!(err instanceof HandlerFailed)) return false;
  // PostgreSQL's own errors carry a severity beside their SQLSTATE; a socket error's code is no SQLSTATE.
  const original = err.original as { code?: unknown; severity?: unknown } | null;
  if (typeof original?.severity !== 'string' || typeof original.code !== 'string') return true;
  return DATA_ERROR.test(original.code);
}
