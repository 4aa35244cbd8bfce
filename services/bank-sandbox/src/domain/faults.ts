import type { NpdStatus } from './self-employed.ts';

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
  /** The self-employed API's switches (below). */
  selfEmployed: SelfEmployedFaults;
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
    selfEmployed: noSelfEmployedFaults(),
  };
}

/**
 * The self-employed API's switches, kept as plain JSON (INN keys are checked to be digits) so that
 * GET /_sim/faults shows them as they are.
 */
export interface SelfEmployedFaults {
  /** The NPD status the tax service answers for an INN: a waiting registration ends in it, not ACTIVE. */
  npdStatus: Record<string, NpdStatus>;
  /** INNs whose receipts fail to be fiscalized (FISCALIZE_FAILED). */
  fiscalizeFailing: string[];
}

export function noSelfEmployedFaults(): SelfEmployedFaults {
  return { npdStatus: {}, fiscalizeFailing: [] };
}

/** The status a test set for this INN, if any (own keys only: the record is JSON from a request). */
export function npdOverrideOf(f: SelfEmployedFaults, inn: string): NpdStatus | undefined {
  return Object.hasOwn(f.npdStatus, inn) ? f.npdStatus[inn] : undefined;
}
