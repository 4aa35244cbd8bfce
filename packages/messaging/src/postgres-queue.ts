import { type Pool, prepared, withTransaction } from '@strongbox/postgres';
import type { EncodedEvent } from './envelope.ts';
import { createCheckpoints } from './postgres-log.ts';
import { topicRegex } from './topic.ts';
import type { PublishOutcome, Subscription } from './transport.ts';

/**
 * The PostgreSQL transport's queue, as SQL: subscriptions, deliveries and their claims. Every statement
 * names the (quoted) messaging schema itself; the loops that use them live in postgres-transport.ts and
 * postgres-subscriber.ts.
 */

/** The channel publishers notify with the consumer's name as payload. */
export const DELIVERIES_CHANNEL = 'strongbox.deliveries';

/** A delivery claimed by one consumer: its row id, the event, and how often it has been claimed. */
export interface Claimed {
  readonly id: string;
  readonly envelope: unknown;
  readonly claims: number;
}

/**
 * One statement, so one round trip and one commit: route every event to the matching subscriptions, keep
 * the events before the first one nobody subscribes to, insert their deliveries in event order and notify
 * each consumer that got some. With `deliver: false` (the events will be in a log, ADR 0040) only the
 * routing is checked: the consumers read the events from the log, and nothing is written.
 */
export async function routeEvents(
  pool: Pool,
  schema: string,
  events: readonly EncodedEvent[],
  deliver = true,
): Promise<PublishOutcome> {
  const types = events.map((e) => e.type);
  const { rows } = await pool.query<{ confirmed: string }>(
    deliver
      ? prepared(ROUTE_AND_DELIVER(schema), [
          events.map((e) => e.id),
          types,
          events.map((e) => e.json),
          events.length,
          DELIVERIES_CHANNEL,
        ])
      : prepared(ROUTE_ONLY(schema), [types, events.length]),
  );
  const confirmed = Number(rows[0]?.confirmed ?? 0);
  if (confirmed === events.length) return { confirmed };
  const stuck = events[confirmed];
  return {
    confirmed,
    failure: { reason: 'unroutable', error: new Error(`no subscription matches ${stuck?.type}`) },
  };
}

// An adjustable subscription (routes_all, ADR 0046) makes every event routable, taken or not.
const ROUTE_ONLY = (schema: string) =>
  `with ev as (select e.type, e.ord from unnest($1::text[]) with ordinality as e(type, ord))
   select case when exists (select 1 from ${schema}.subscriptions where routes_all) then $2::int
               else coalesce(min(ev.ord), $2::int + 1) - 1 end as confirmed
     from ev where not exists (
       select 1 from ${schema}.subscriptions s where exists (select 1 from unnest(s.regexes) r where ev.type ~ r))`;

const ROUTE_AND_DELIVER = (schema: string) =>
  `with ev as (
           select e.id, e.type, e.envelope, e.ord
             from unnest($1::text[], $2::text[], $3::jsonb[]) with ordinality as e(id, type, envelope, ord)),
         routes as (
           select ev.ord, s.consumer, ev.id, ev.envelope
             from ev join ${schema}.subscriptions s on exists (select 1 from unnest(s.regexes) r where ev.type ~ r)),
         cutoff as (
           select case when exists (select 1 from ${schema}.subscriptions where routes_all) then $4 + 1
                       else coalesce(min(ev.ord), $4 + 1) end as ord
             from ev where not exists (select 1 from routes where routes.ord = ev.ord)),
         inserted as (
           insert into ${schema}.deliveries (consumer, event_id, envelope)
           select consumer, id, envelope from routes where ord < (select ord from cutoff) order by ord
           returning consumer),
         notified as (
           select pg_notify($5, consumer) from (select distinct consumer from inserted) c)
         select (select ord from cutoff) - 1 as confirmed, (select count(*) from notified) as notified`;

/**
 * Records (or updates) which event types a consumer takes, as patterns and as the regexes routing uses, and
 * in the same transaction its checkpoints on the registered logs (ADR 0040), so that an event routed to it
 * once the subscription is visible is always after its checkpoint. An adjustable subscription (ADR 0046)
 * adds its patterns to the stored ones, which another instance may have set since this one started; the
 * patterns are then theirs to change (`setStoredPatterns`).
 */
export async function upsertSubscription(
  pool: Pool,
  schema: string,
  subscription: Subscription,
): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query(
      `insert into ${schema}.subscriptions (consumer, patterns, regexes, routes_all) values ($1, $2, $3, $4)
         on conflict (consumer) do update
           set patterns = case when excluded.routes_all
                            then array(select distinct p from unnest(subscriptions.patterns || excluded.patterns) p)
                            else excluded.patterns end,
               regexes = case when excluded.routes_all
                           then array(select distinct r from unnest(subscriptions.regexes || excluded.regexes) r)
                           else excluded.regexes end,
               routes_all = excluded.routes_all,
               updated_at = now()`,
      [
        subscription.name,
        [...subscription.eventTypes],
        subscription.eventTypes.map(topicRegex),
        subscription.adjustable === true,
      ],
    );
    await createCheckpoints(tx, schema, subscription.name);
  });
}

/** The channel an adjustable subscription's change is notified on, with the consumer's name as payload. */
export const SUBSCRIPTIONS_CHANNEL = 'strongbox.subscriptions';

/**
 * Replaces an adjustable subscription's patterns (ADR 0046) and tells its other instances, which adopt
 * them as their own (`storedPatterns`). Routing and every log round read the stored regexes, so an event
 * published after this statement committed is routed by them.
 */
export async function setStoredPatterns(
  pool: Pool,
  schema: string,
  consumer: string,
  eventTypes: readonly string[],
): Promise<void> {
  const { rowCount } = await pool.query(
    `with u as (
       update ${schema}.subscriptions set patterns = $2, regexes = $3, updated_at = now()
        where consumer = $1 and routes_all returning consumer)
     select pg_notify($4, consumer) from u`,
    [consumer, [...eventTypes], eventTypes.map(topicRegex), SUBSCRIPTIONS_CHANNEL],
  );
  if (rowCount === 0) throw new Error(`no adjustable subscription named ${consumer}`);
}

/** An adjustable subscription's stored patterns; undefined when it has none (or is not adjustable). */
export async function storedPatterns(
  pool: Pool,
  schema: string,
  consumer: string,
): Promise<string[] | undefined> {
  const { rows } = await pool.query<{ patterns: string[] }>(
    `select patterns from ${schema}.subscriptions where consumer = $1 and routes_all`,
    [consumer],
  );
  return rows[0]?.patterns;
}

/** Delivers one event again to one existing subscription (a replayed dead letter). */
export async function redeliverTo(
  pool: Pool,
  schema: string,
  consumer: string,
  event: EncodedEvent,
): Promise<void> {
  await withTransaction(pool, async (tx) => {
    const { rowCount } = await tx.query(`select 1 from ${schema}.subscriptions where consumer = $1`, [
      consumer,
    ]);
    if (rowCount === 0) throw new Error(`no subscription named ${consumer}`);
    await insertDeliveries(tx, schema, [consumer], [event.id], [event.json]);
  });
}

export async function queueDepth(pool: Pool, schema: string, consumer: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from ${schema}.deliveries where consumer = $1`,
    [consumer],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Deletes the acknowledged rows and claims up to `limit` new ones, in one statement. The claim hides rows
 * for the lease (a visibility timeout) and counts the delivery; SKIP LOCKED lets several instances of the
 * consumer claim side by side. Acked rows are still leased, so they are never among the rows claimed by
 * the same statement.
 */
export async function ackAndClaim(
  pool: Pool,
  schema: string,
  claim: { consumer: string; acks: readonly string[]; limit: number; leaseMs: number },
): Promise<Claimed[]> {
  const { rows } = await pool.query<{ id: bigint; envelope: unknown; claims: number }>(
    prepared(
      `with acked as (delete from ${schema}.deliveries where id = any($4::bigint[]))
       update ${schema}.deliveries d
          set available_at = now() + $3 * interval '1 millisecond', claims = d.claims + 1
         from (select id from ${schema}.deliveries
                where consumer = $1 and available_at <= now()
                order by id limit $2 for update skip locked) c
        where d.id = c.id
        returning d.id, d.envelope, d.claims`,
      [claim.consumer, claim.limit, claim.leaseMs, claim.acks],
    ),
  );
  return rows
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((r) => ({ id: String(r.id), envelope: r.envelope, claims: r.claims }));
}

/** Makes a claimed row available again after `delayMs` (a retry's backoff). */
export async function postpone(pool: Pool, schema: string, id: string, delayMs: number): Promise<void> {
  await pool.query(
    `update ${schema}.deliveries set available_at = now() + $2 * interval '1 millisecond' where id = $1`,
    [id, delayMs],
  );
}

/** One statement for the rows, then one notification per consumer (delivered at commit). */
async function insertDeliveries(
  tx: Pick<Pool, 'query'>,
  schema: string,
  consumers: readonly string[],
  ids: readonly string[],
  envelopes: readonly string[],
): Promise<void> {
  if (consumers.length === 0) return;
  await tx.query(
    `insert into ${schema}.deliveries (consumer, event_id, envelope)
     select * from unnest($1::text[], $2::text[], $3::jsonb[])`,
    [consumers, ids, envelopes],
  );
  await tx.query('select pg_notify($1, c) from unnest($2::text[]) as c', [
    DELIVERIES_CHANNEL,
    [...new Set(consumers)],
  ]);
}
