import type { AttemptResult } from './schedule.ts';

/** One event to one endpoint. Its `webhook-id` is the event id, the same on every retry. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface Delivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly payload: string;
  readonly traceId: string | null;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  readonly scheduleAttempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Attempt {
  readonly id: string;
  readonly deliveryId: string;
  readonly number: number;
  readonly attemptedAt: Date;
  readonly durationMs: number;
  readonly result: AttemptResult;
  readonly responseStatus: number | null;
  readonly responseBody: string | null;
  readonly error: string | null;
}

/** Of what an endpoint answers, this much is kept: enough to diagnose, bounded per attempt. */
export const RESPONSE_BODY_KEPT_BYTES = 4 * 1024;
/** Attempts shown with one delivery; a delivery resent many times shows its latest ones. */
export const ATTEMPTS_SHOWN_MAX = 100;

export function deliveryView(d: Delivery) {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    webhookId: d.eventId,
    status: d.status,
    attemptCount: d.attemptCount,
    nextAttemptAt: d.status === 'pending' ? (d.nextAttemptAt?.toISOString() ?? null) : null,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    traceId: d.traceId,
    createdAt: d.createdAt.toISOString(),
  };
}

export function attemptView(a: Attempt) {
  return {
    id: a.id,
    number: a.number,
    attemptedAt: a.attemptedAt.toISOString(),
    durationMs: a.durationMs,
    result: a.result,
    responseStatus: a.responseStatus,
    responseBody: a.responseBody,
    error: a.error,
  };
}
