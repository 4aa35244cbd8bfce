import { type Clock, type CloudEvent, newId, systemClock } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';
import { partiesOf, patternsSelecting } from './domain/event-types.ts';
import { candidateEndpoints, insertDeliveries, insertDeliveriesForEvent } from './infra/deliveries.ts';

/** The consumer's name: its queue on RabbitMQ, its subscription on PostgreSQL, its inbox key. */
export const CONSUMER_NAME = 'webhooks';

/**
 * One event fans out to at most this many endpoints. Operators' catch-all endpoints plus the parties'
 * own stay far below it; the bound keeps one event from becoming an unbounded insert.
 */
export const ENDPOINTS_PER_EVENT_MAX = 1_000;
/** Events the consumer takes at once: every event of the system passes here, so batches pay off most. */
export const WEBHOOKS_CONSUMER_CONCURRENCY = 32;

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

/**
 * The consumer's batch handler: the same outcome as `recordEvent` for each event, with one lookup of the
 * endpoints for the whole batch and one insert, instead of a lookup per event. When the lookup reaches
 * its bound, so that some endpoint might have been cut off, each event is recorded on its own.
 */
export async function recordEvents(
  tx: Queryable,
  events: readonly CloudEvent[],
  clock: Clock = systemClock,
): Promise<{ deliveries: number }> {
  const selecting = events.map((e) => ({
    event: e,
    patterns: patternsSelecting(e.type),
    parties: partiesOf(e),
  }));
  const patterns = [...new Set(selecting.flatMap((s) => s.patterns))];
  const parties = [...new Set(selecting.flatMap((s) => s.parties))];
  const candidates = await candidateEndpoints(tx, patterns, parties, ENDPOINTS_PER_EVENT_MAX);
  if (candidates.length >= ENDPOINTS_PER_EVENT_MAX) {
    let deliveries = 0;
    for (const e of events) deliveries += (await recordEvent(tx, e, clock)).deliveries;
    return { deliveries };
  }
  const at = clock.now();
  const rows = selecting.flatMap(({ event, patterns: own, parties: named }) => {
    const payload = JSON.stringify(event);
    return candidates
      .filter(
        (c) => c.eventTypes.some((t) => own.includes(t)) && (c.scope === 'all' || named.includes(c.ownerId)),
      )
      .map((c) => ({
        id: newId('whd', clock),
        endpointId: c.id,
        eventId: event.id,
        eventType: event.type,
        payload,
        traceId: event.traceid ?? null,
      }));
  });
  return { deliveries: await insertDeliveries(tx, rows, at) };
}
