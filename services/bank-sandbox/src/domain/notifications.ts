/** Every state change the sandbox reports, as the receiver's `type` field names it. */
export const NOTIFICATION_TYPES = [
  'INCOMING_PAYMENT_RECEIVED',
  'INCOMING_PAYMENT_IDENTIFIED',
  'DEAL_ACCEPTED',
  'DEAL_CANCELLED',
  'STEP_PAYMENT_STARTED',
  'STEP_PAYMENT_COMPLETED',
  'STEP_PAYMENT_FAILED',
  'PAYMENT_SUCCEEDED',
  'PAYMENT_FAILED',
  'SCORING_FINISHED',
  // The self-employed API: a receipt issued, annulled, or failed (FISCALIZE_FAILED or ERROR).
  'SELF_EMPLOYED_RECEIPT_READY',
  'SELF_EMPLOYED_RECEIPT_CANCELLED',
  'SELF_EMPLOYED_RECEIPT_FAILED',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface NotificationFact {
  readonly type: NotificationType;
  readonly objectId: string;
  readonly status: string;
  readonly data?: Record<string, unknown>;
}

/** Delivery attempts of one notification: the first and up to this many retries. */
export const NOTIFICATION_RETRIES_MAX = 5;

/**
 * The wait before retry `attempt` (1-based): base × 4^(attempt−1), so 30 s, 2 min, 8 min, 32 min, ~2 h
 * with the default base of 30 s (close to the bank's own 30 s..10 min schedule, but each wait grows).
 */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return baseMs * 4 ** Math.max(0, attempt - 1);
}

/** What happens after a failed attempt: another try at `delayMs`, or giving up once retries are spent. */
export function afterFailure(
  attemptsMade: number,
  baseMs: number,
): { readonly retry: true; readonly delayMs: number } | { readonly retry: false } {
  if (attemptsMade > NOTIFICATION_RETRIES_MAX) return { retry: false };
  return { retry: true, delayMs: retryDelayMs(attemptsMade, baseMs) };
}
