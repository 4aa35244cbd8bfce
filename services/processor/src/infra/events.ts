import { type Clock, type CloudEvent, cloudEvent } from '@strongbox/kernel';
import type { ProcessingRecord } from '../domain/processing.ts';

export const SERVICE = 'processor';

export function startedEvent(r: ProcessingRecord, clock: Clock): CloudEvent {
  return cloudEvent(
    {
      service: SERVICE,
      type: 'processor.order.started',
      subject: r.orderId,
      data: { orderId: r.orderId, processingId: r.id },
      ...(r.traceId ? { traceId: r.traceId } : {}),
    },
    clock,
  );
}

export function processedEvent(
  r: ProcessingRecord,
  outcome: { status: 'completed' } | { status: 'failed'; error: string },
  clock: Clock,
): CloudEvent {
  return cloudEvent(
    {
      service: SERVICE,
      type: 'processor.order.processed',
      subject: r.orderId,
      data: {
        orderId: r.orderId,
        processingId: r.id,
        status: outcome.status,
        ...(outcome.status === 'failed' ? { error: outcome.error } : {}),
      },
      ...(r.traceId ? { traceId: r.traceId } : {}),
    },
    clock,
  );
}
