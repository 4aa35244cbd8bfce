/**
 * The switches a test or the demo flips under /_sim/. They live in the process (a restart clears them,
 * as a test's setup expects); the bank's own state lives in PostgreSQL.
 */
export interface Faults {
  /** Seed of the draws below, so a run is reproducible. */
  seed: number;
  /** Share (0..1) of bank API calls answered 500: before the call takes effect, or after it did. */
  errorRate: number;
  errorWhen: 'before' | 'after';
  /** Extra milliseconds before each bank API answer. */
  latencyMs: number;
  /** The next this-many bank API calls answer 429 whatever the rate limit says. */
  burst429: number;
  /** The next this-many notifications are dropped (marked delivered, never sent). */
  dropNotifications: number;
  /** The next this-many notifications are sent twice. */
  duplicateNotifications: number;
  /** Every new notification waits this long before its first attempt. */
  notificationDelayMs: number;
  /** Account or card numbers whose payments fail (as closed accounts). */
  failingDetails: Set<string>;
  /** Scoring by INN: stuck in IN_PROGRESS or FAILED. */
  scoring: Map<string, 'stuck' | 'failed'>;
}

export function noFaults(): Faults {
  return {
    seed: 1,
    errorRate: 0,
    errorWhen: 'before',
    latencyMs: 0,
    burst429: 0,
    dropNotifications: 0,
    duplicateNotifications: 0,
    notificationDelayMs: 0,
    failingDetails: new Set(),
    scoring: new Map(),
  };
}
