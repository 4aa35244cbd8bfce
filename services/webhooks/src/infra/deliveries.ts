import { prepared, type Queryable } from '@strongbox/postgres';
import type { Attempt, Delivery, DeliveryStatus } from '../domain/delivery.ts';
import type { AttemptResult } from '../domain/schedule.ts';
import type { CandidateEndpoint, NewDelivery } from '../features/record-event/handler.ts';

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  trace_id: string | null;
  status: DeliveryStatus;
  attempt_count: number;
  schedule_attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    payload: r.payload,
    traceId: r.trace_id,
    status: r.status,
    attemptCount: r.attempt_count,
    scheduleAttempts: r.schedule_attempts,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Queues one event for every enabled endpoint that selects it: by type pattern, and — unless the endpoint
 * sees every event — by the event naming the endpoint's owner among its parties. Once per (endpoint,
 * event): a redelivered event adds nothing. One statement however many endpoints match.
 */
export async function insertDeliveriesForEvent(
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
): Promise<number> {
  const { rows } = await tx.query<{ id: string }>(
    prepared(
      `select id from endpoints
     where status = 'enabled' and event_types && $1::text[] and (scope = 'all' or owner_id = any($2::text[]))
     order by id limit $3`,
      [e.patterns, e.parties, endpointsMax],
    ),
  );
  if (rows.length === 0) return 0;
  const result = await tx.query(
    `insert into deliveries (id, endpoint_id, event_id, event_type, payload, trace_id, status,
       next_attempt_at, created_at, updated_at)
     select d.id, d.endpoint_id, $3, $4, $5, $6, 'pending', $7, $7, $7
     from unnest($1::text[], $2::text[]) as d(id, endpoint_id)
     on conflict (endpoint_id, event_id) do nothing`,
    [
      rows.map(() => newDeliveryId()),
      rows.map((r) => r.id),
      e.eventId,
      e.eventType,
      e.payload,
      e.traceId,
      e.at,
    ],
  );
  return result.rowCount ?? 0;
}

/**
 * Enabled endpoints that could select at least one of a batch's events: listing any of the patterns,
 * and seeing every event or owned by one of the parties. In id order, at most `limit`.
 */
export async function candidateEndpoints(
  tx: Queryable,
  patterns: readonly string[],
  parties: readonly string[],
  limit: number,
): Promise<CandidateEndpoint[]> {
  const { rows } = await tx.query<{
    id: string;
    event_types: string[];
    scope: 'all' | 'parties';
    owner_id: string;
  }>(
    prepared(
      `select id, event_types, scope, owner_id from endpoints
       where status = 'enabled' and event_types && $1::text[] and (scope = 'all' or owner_id = any($2::text[]))
       order by id limit $3`,
      [patterns, parties, limit],
    ),
  );
  return rows.map((r) => ({ id: r.id, eventTypes: r.event_types, scope: r.scope, ownerId: r.owner_id }));
}

/** Queues deliveries of several events in one statement; once per (endpoint, event) as always. */
export async function insertDeliveries(
  tx: Queryable,
  rows: readonly NewDelivery[],
  at: Date,
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await tx.query(
    prepared(
      `insert into deliveries (id, endpoint_id, event_id, event_type, payload, trace_id, status,
         next_attempt_at, created_at, updated_at)
       select d.id, d.endpoint_id, d.event_id, d.event_type, d.payload, d.trace_id, 'pending', $7, $7, $7
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         as d(id, endpoint_id, event_id, event_type, payload, trace_id)
       on conflict (endpoint_id, event_id) do nothing`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.endpointId),
        rows.map((r) => r.eventId),
        rows.map((r) => r.eventType),
        rows.map((r) => r.payload),
        rows.map((r) => r.traceId),
        at,
      ],
    ),
  );
  return result.rowCount ?? 0;
}

export async function listDeliveries(
  db: Queryable,
  endpointId: string,
  filter: { status: DeliveryStatus | undefined },
  page: { limit: number; beforeId: string | undefined },
): Promise<Delivery[]> {
  const { rows } = await db.query<DeliveryRow>(
    `select * from deliveries
     where endpoint_id = $1 and ($2::text is null or status = $2) and ($3::text is null or id < $3)
     order by id desc limit $4`,
    [endpointId, filter.status ?? null, page.beforeId ?? null, page.limit],
  );
  return rows.map(toDelivery);
}

export async function findDelivery(
  db: Queryable,
  id: string,
): Promise<{ delivery: Delivery; ownerId: string; endpointStatus: string } | undefined> {
  const { rows } = await db.query<DeliveryRow & { owner_id: string; endpoint_status: string }>(
    `select d.*, e.owner_id, e.status as endpoint_status
     from deliveries d join endpoints e on e.id = d.endpoint_id where d.id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { delivery: toDelivery(r), ownerId: r.owner_id, endpointStatus: r.endpoint_status } : undefined;
}

/** A finished delivery starts a new schedule, due at once; a pending one is left alone (undefined). */
export async function requeueDelivery(db: Queryable, id: string, at: Date): Promise<Delivery | undefined> {
  const { rows } = await db.query<DeliveryRow>(
    `update deliveries set status = 'pending', schedule_attempts = 0, next_attempt_at = $2, updated_at = $2
     where id = $1 and status <> 'pending' returning *`,
    [id, at],
  );
  return rows[0] ? toDelivery(rows[0]) : undefined;
}

interface AttemptRow {
  id: string;
  delivery_id: string;
  number: number;
  attempted_at: Date;
  duration_ms: number;
  result: AttemptResult;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
}

/** The latest `limit` attempts, in the order they were made. */
export async function listAttempts(db: Queryable, deliveryId: string, limit: number): Promise<Attempt[]> {
  const { rows } = await db.query<AttemptRow>(
    `select * from (select * from attempts where delivery_id = $1 order by number desc limit $2) a
     order by number`,
    [deliveryId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    deliveryId: r.delivery_id,
    number: r.number,
    attemptedAt: r.attempted_at,
    durationMs: r.duration_ms,
    result: r.result,
    responseStatus: r.response_status,
    responseBody: r.response_body,
    error: r.error,
  }));
}

export async function countDueDeliveries(db: Queryable, now: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from deliveries where status = 'pending' and next_attempt_at <= $1`,
    [now],
  );
  return rows[0]?.n ?? 0;
}
