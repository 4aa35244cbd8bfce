/**
 * One order's processing record (unique per order): pending → processing → completed | failed, or
 * cancelled when the order was cancelled before processing started.
 */
export const PROCESSING_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];

export interface ProcessingRecord {
  readonly id: string;
  readonly orderId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly description: string | null;
  readonly traceId: string | null;
  readonly status: ProcessingStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly receivedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** What intake knows of a received order: everything a record holds before its first attempt. */
export type NewRecord = Pick<
  ProcessingRecord,
  'id' | 'orderId' | 'amountMinor' | 'currency' | 'description' | 'traceId'
>;

/** What one run of the processing step answered. */
export type StepResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'transient'; readonly error: string }
  | { readonly kind: 'permanent'; readonly error: string };

export type AfterStep =
  | { readonly status: 'completed' }
  | { readonly status: 'failed'; readonly error: string }
  | { readonly status: 'pending'; readonly error: string; readonly retryInMs: number };

/**
 * After attempt `attempts` of the step: done completes, a permanent failure fails, and a transient one is
 * retried after `retryInMs` unless it was the last attempt allowed.
 */
export function decideAfterStep(
  attempts: number,
  result: StepResult,
  policy: { attemptsMax: number; retryInMs: number },
): AfterStep {
  switch (result.kind) {
    case 'done':
      return { status: 'completed' };
    case 'permanent':
      return { status: 'failed', error: result.error };
    case 'transient':
      if (attempts >= policy.attemptsMax)
        return { status: 'failed', error: `gave up after ${attempts} attempts: ${result.error}` };
      return { status: 'pending', error: result.error, retryInMs: policy.retryInMs };
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

export function processingView(r: ProcessingRecord) {
  return {
    id: r.id,
    orderId: r.orderId,
    amount: Number(r.amountMinor),
    currency: r.currency,
    description: r.description,
    traceId: r.traceId,
    status: r.status,
    attempts: r.attempts,
    lastError: r.lastError,
    receivedAt: r.receivedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
