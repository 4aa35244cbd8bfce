import { InvariantError } from '@strongbox/kernel';

/**
 * The retry schedule and endpoint health, as pure decisions: time comes in as an argument.
 *
 * RETRY_DELAYS_MS[n] is the wait before attempt n + 1, counted from attempt n (or, for the first attempt,
 * from when the event was recorded): immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. After the
 * last attempt fails the delivery is failed, about 27.6 hours after the first.
 */
const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
export const RETRY_DELAYS_MS = [
  0,
  5 * SECOND_MS,
  5 * MINUTE_MS,
  30 * MINUTE_MS,
  2 * HOUR_MS,
  5 * HOUR_MS,
  10 * HOUR_MS,
  10 * HOUR_MS,
] as const;
export const ATTEMPTS_MAX = RETRY_DELAYS_MS.length;
/** An endpoint with no success for this long after its first failure is disabled. */
export const ENDPOINT_FAILING_DISABLE_MS = 5 * 24 * HOUR_MS;

/**
 * When the next attempt is due, given how many attempts the current schedule has made and when the last
 * of them (or, with none made, the recording of the event) happened; `undefined` when none is left.
 *
 * @example
 * nextAttemptAt(0, recordedAt) // recordedAt: the first attempt is immediate
 * nextAttemptAt(1, firstAttemptAt) // 5 s later
 * nextAttemptAt(8, lastAttemptAt) // undefined: the delivery has failed
 */
export function nextAttemptAt(attemptsMade: number, lastAttemptAt: Date): Date | undefined {
  const delayMs = RETRY_DELAYS_MS[attemptsMade];
  if (attemptsMade < 0 || delayMs === undefined) return undefined;
  return new Date(lastAttemptAt.getTime() + delayMs);
}

/**
 * What one attempt came to. `http_status`: an answer outside 2xx, redirects included (they are never
 * followed); `blocked`: the host resolved to an address webhooks may not reach when the attempt was made.
 */
export type AttemptResult = 'succeeded' | 'http_status' | 'timeout' | 'connection_error' | 'blocked';
export const ATTEMPT_RESULTS: readonly AttemptResult[] = [
  'succeeded',
  'http_status',
  'timeout',
  'connection_error',
  'blocked',
];

export function isSuccess(result: AttemptResult): boolean {
  switch (result) {
    case 'succeeded':
      return true;
    case 'http_status':
    case 'timeout':
    case 'connection_error':
    case 'blocked':
      return false;
    default: {
      const unreachable: never = result;
      throw new InvariantError(`unreachable case: ${JSON.stringify(unreachable)}`);
    }
  }
}

export type DeliveryNext =
  | { readonly status: 'succeeded' }
  | { readonly status: 'pending'; readonly nextAttemptAt: Date }
  | { readonly status: 'failed' };

/** After attempt number `attemptsMade` of the current schedule, made at `attemptedAt`. */
export function decideAfterAttempt(input: {
  attemptsMade: number;
  attemptedAt: Date;
  result: AttemptResult;
}): DeliveryNext {
  if (isSuccess(input.result)) return { status: 'succeeded' };
  const next = nextAttemptAt(input.attemptsMade, input.attemptedAt);
  return next ? { status: 'pending', nextAttemptAt: next } : { status: 'failed' };
}

export interface EndpointHealth {
  readonly failingSince: Date | null;
  /** True when this failure ends ENDPOINT_FAILING_DISABLE_MS without a success: the endpoint is disabled. */
  readonly disable: boolean;
}

/** A success clears the failure streak; a failure starts it or, once it is old enough, disables the endpoint. */
export function decideEndpointHealth(input: {
  failingSince: Date | null;
  result: AttemptResult;
  attemptedAt: Date;
}): EndpointHealth {
  if (isSuccess(input.result)) return { failingSince: null, disable: false };
  const since = input.failingSince ?? input.attemptedAt;
  const disable = input.attemptedAt.getTime() - since.getTime() >= ENDPOINT_FAILING_DISABLE_MS;
  return { failingSince: since, disable };
}
