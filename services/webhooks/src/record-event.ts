import { type Clock, type CloudEvent, newId, systemClock } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';
import { partiesOf, patternsSelecting } from './domain/event-types.ts';
import { insertDeliveriesForEvent } from './infra/deliveries.ts';

/** The consumer's name: its queue on RabbitMQ, its subscription on PostgreSQL, its inbox key. */
export const CONSUMER_NAME = 'webhooks';

/**
 * One event fans out to at most this many endpoints. Operators' catch-all endpoints plus the parties'
 * own stay far below it; the bound keeps one event from becoming an unbounded insert.
 */
export const ENDPOINTS_PER_EVENT_MAX = 1_000;

/**
 * The webhooks consumer's handler: queues the event for every enabled endpoint that selects it, inside the
 * consumer's transaction (whose inbox row makes a redelivered event a no-op). It is idempotent by itself
 * too: one delivery per (endpoint, event id). Endpoints registered after the event was recorded do not
 * receive it.
 *
 * @example
 * startConsumer({ name: 'webhooks', eventTypes: ['#'], handle: (tx, event) => recordEvent(tx, event) }, deps)
 */
export async function recordEvent(
  tx: Queryable,
  event: CloudEvent,
  clock: Clock = systemClock,
): Promise<{ deliveries: number }> {
  const deliveries = await insertDeliveriesForEvent(
    tx,
    {
      eventId: event.id,
      eventType: event.type,
      // The body every attempt sends and signs: the event exactly as published, in structured mode.
      payload: JSON.stringify(event),
      traceId: event.traceid ?? null,
      patterns: patternsSelecting(event.type),
      parties: partiesOf(event),
      at: clock.now(),
    },
    () => newId('whd', clock),
    ENDPOINTS_PER_EVENT_MAX,
  );
  return { deliveries };
}
