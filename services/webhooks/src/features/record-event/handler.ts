import { type Clock, type CloudEvent, newId, systemClock } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';
import { partiesOf, patternsSelecting } from '../../domain/event-types.ts';

/** The consumer's name: its queue on RabbitMQ, its subscription on PostgreSQL, its inbox key. */
export const CONSUMER_NAME = 'webhooks';

/**
 * One event fans out to at most this many endpoints. Operators' catch-all endpoints plus the parties'
 * own stay far below it; the bound keeps one event from becoming an unbounded insert.
 */
export const ENDPOINTS_PER_EVENT_MAX = 1_000;
/** Events the consumer takes at once: every event of the system passes here, so batches pay off most. */
export const WEBHOOKS_CONSUMER_CONCURRENCY = 32;

/** An enabled endpoint that may select some event of a batch. */
export interface CandidateEndpoint {
  readonly id: string;
  readonly eventTypes: readonly string[];
  readonly scope: 'all' | 'parties';
  readonly ownerId: string;
}

/** A delivery to queue: one event for one endpoint. */
export interface NewDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  payload: string;
  traceId: string | null;
}

/** The three queries recording needs (infra/deliveries.ts); app.ts binds them. */
export interface RecordEventPorts {
  /** Queues one event for every enabled endpoint selecting it, in one statement; answers how many. */
  insertDeliveriesForEvent(
    tx: Queryable,
    e: {
      eventId: string;
      eventType: string;
      payload: string;
      traceId: string | null;
      patterns: readonly string[];
      parties: readonly string[];
      at: Date;
    },
    newDeliveryId: () => string,
    endpointsMax: number,
  ): Promise<number>;
  /** Enabled endpoints listing any of the patterns, seeing every event or owned by one of the parties. */
  candidateEndpoints(
    tx: Queryable,
    patterns: readonly string[],
    parties: readonly string[],
    limit: number,
  ): Promise<CandidateEndpoint[]>;
  /** Queues deliveries of several events in one statement; once per (endpoint, event). */
  insertDeliveries(tx: Queryable, rows: readonly NewDelivery[], at: Date): Promise<number>;
}

export type RecordEvent = (
  tx: Queryable,
  event: CloudEvent,
  clock?: Clock,
) => Promise<{ deliveries: number }>;
export type RecordEvents = (
  tx: Queryable,
  events: readonly CloudEvent[],
  clock?: Clock,
) => Promise<{ deliveries: number }>;

/**
 * The webhooks consumer's handlers, one per event and one per batch, over the given queries.
 *
 * `recordEvent` queues the event for every enabled endpoint that selects it, inside the consumer's
 * transaction. It is idempotent by itself, one delivery per (endpoint, event id), which is why the
 * consumer keeps no inbox (ADR 0042): a redelivered event adds nothing for the endpoints that had it. An
 * endpoint registered after the event was first recorded receives it only if the event is delivered again
 * (a redelivery after a crash, or a dead letter replayed).
 *
 * `recordEvents` has the same outcome as `recordEvent` for each event, with one lookup of the endpoints
 * for the whole batch and one insert, instead of a lookup per event. When the lookup reaches its bound,
 * so that some endpoint might have been cut off, each event is recorded on its own.
 *
 * @example
 * const { recordEvent } = eventRecorder(ports);
 * startConsumer({ name: 'webhooks', eventTypes: ['#'], handle: (tx, event) => recordEvent(tx, event) }, deps)
 */
export function eventRecorder(ports: RecordEventPorts): {
  recordEvent: RecordEvent;
  recordEvents: RecordEvents;
} {
  const recordEvent: RecordEvent = async (tx, event, clock = systemClock) => {
    const deliveries = await ports.insertDeliveriesForEvent(
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
  };

  const recordEvents: RecordEvents = async (tx, events, clock = systemClock) => {
    const selecting = events.map((e) => ({
      event: e,
      patterns: patternsSelecting(e.type),
      parties: partiesOf(e),
    }));
    const patterns = [...new Set(selecting.flatMap((s) => s.patterns))];
    const parties = [...new Set(selecting.flatMap((s) => s.parties))];
    const candidates = await ports.candidateEndpoints(tx, patterns, parties, ENDPOINTS_PER_EVENT_MAX);
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
          (c) =>
            c.eventTypes.some((t) => own.includes(t)) && (c.scope === 'all' || named.includes(c.ownerId)),
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
    return { deliveries: await ports.insertDeliveries(tx, rows, at) };
  };

  return { recordEvent, recordEvents };
}
