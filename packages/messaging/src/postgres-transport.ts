import type { Logger } from '@strongbox/kernel';
import { migrate, type Pool, prepared, quoteIdent, withTransaction } from '@strongbox/postgres';
import type { EncodedEvent } from './envelope.ts';
import { type Listener, startListener } from './pg-listener.ts';
import { startPgSubscriber } from './postgres-subscriber.ts';
import { topicRegex } from './topic.ts';
import type { Subscriber, Transport } from './transport.ts';

/** The schema that holds the shared subscriptions and deliveries; the same for every service. */
export const MESSAGING_SCHEMA = 'messaging';
/** The channel publishers notify with the consumer's name as payload. */
export const DELIVERIES_CHANNEL = 'strongbox.deliveries';
/** A claimed delivery comes back after this long without an ack (its consumer died). */
export const PG_LEASE_MS = 60_000;
/** Fallback poll for a consumer whose notification was lost. */
export const PG_POLL_MS = 1_000;
/** Events per publish call: one statement each way, bounded like the relay's batch. */
export const PG_PUBLISH_BATCH_MAX = 1_000;

const MIGRATIONS_DIR = new URL('../migrations/postgres-transport', import.meta.url).pathname;

export interface PostgresTransportDeps {
  /** Any pool on the shared database; the transport names its own schema in every statement. */
  readonly pool: Pool;
  /**
   * The shared schema, NOT the service's: every service must use the same one (leave it unset). Tests set
   * a schema of their own.
   */
  readonly messagingSchema?: string;
  readonly leaseMs?: number;
  readonly pollMs?: number;
  readonly logger?: Logger;
}

/**
 * The default transport: the event stream lives in PostgreSQL itself (ADR 0009). Publishing routes each
 * event to the subscriptions whose patterns match its type, in one transaction, and notifies them;
 * consumers claim their rows with FOR UPDATE SKIP LOCKED.
 *
 * @example
 * const transport = postgresTransport({ pool });
 */
export function postgresTransport(deps: PostgresTransportDeps): Transport {
  const schemaName = deps.messagingSchema ?? MESSAGING_SCHEMA;
  const schema = quoteIdent(schemaName);
  const leaseMs = deps.leaseMs ?? PG_LEASE_MS;
  const pollMs = deps.pollMs ?? PG_POLL_MS;
  const subscribers = new Map<string, { wake(): void; stop(): Promise<void> }>();
  let listener: Listener | undefined;
  let ready: Promise<void> | undefined;

  // The schema is created on first use by whichever process gets there first; migrate() serialises them.
  const ensureReady = (): Promise<void> => {
    ready ??= migrate(deps.pool, { schema: schemaName, dir: MIGRATIONS_DIR }).then(
      () => undefined,
      (err: unknown) => {
        ready = undefined;
        throw err;
      },
    );
    return ready;
  };

  const ensureListener = () => {
    listener ??= startListener({
      pool: deps.pool,
      channel: DELIVERIES_CHANNEL,
      onNotify: (consumer) => subscribers.get(consumer)?.wake(),
      onReconnect: () => {
        for (const s of subscribers.values()) s.wake();
      },
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
  };

  return {
    kind: 'postgres',

    async publish(events) {
      if (events.length === 0) return { confirmed: 0 };
      if (events.length > PG_PUBLISH_BATCH_MAX)
        throw new Error(`at most ${PG_PUBLISH_BATCH_MAX} events per publish`);
      await ensureReady();
      // One statement, so one round trip and one commit: route every event to the matching
      // subscriptions, keep the events before the first one nobody subscribes to, insert their deliveries
      // in event order and notify each consumer that got some.
      const { rows } = await deps.pool.query<{ confirmed: string }>(
        prepared(
          `with ev as (
           select e.id, e.type, e.envelope, e.ord
             from unnest($1::text[], $2::text[], $3::jsonb[]) with ordinality as e(id, type, envelope, ord)),
         routes as (
           select ev.ord, s.consumer, ev.id, ev.envelope
             from ev join ${schema}.subscriptions s on exists (select 1 from unnest(s.regexes) r where ev.type ~ r)),
         cutoff as (
           select coalesce(min(ev.ord), $4 + 1) as ord from ev where not exists (select 1 from routes where routes.ord = ev.ord)),
         inserted as (
           insert into ${schema}.deliveries (consumer, event_id, envelope)
           select consumer, id, envelope from routes where ord < (select ord from cutoff) order by ord
           returning consumer),
         notified as (
           select pg_notify($5, consumer) from (select distinct consumer from inserted) c)
         select (select ord from cutoff) - 1 as confirmed, (select count(*) from notified) as notified`,
          [
            events.map((e) => e.id),
            events.map((e) => e.type),
            events.map((e) => e.json),
            events.length,
            DELIVERIES_CHANNEL,
          ],
        ),
      );
      const confirmed = Number(rows[0]?.confirmed ?? 0);
      if (confirmed === events.length) return { confirmed };
      const stuck = events[confirmed];
      return {
        confirmed,
        failure: { reason: 'unroutable', error: new Error(`no subscription matches ${stuck?.type}`) },
      };
    },

    async subscribe(subscription, handlers): Promise<Subscriber> {
      if (subscribers.has(subscription.name))
        throw new Error(`${subscription.name} is already subscribed here`);
      await ensureReady();
      await deps.pool.query(
        `insert into ${schema}.subscriptions (consumer, patterns, regexes) values ($1, $2, $3)
         on conflict (consumer) do update
           set patterns = excluded.patterns, regexes = excluded.regexes, updated_at = now()`,
        [subscription.name, [...subscription.eventTypes], subscription.eventTypes.map(topicRegex)],
      );
      ensureListener();
      const running = startPgSubscriber({
        pool: deps.pool,
        schema,
        subscription,
        handlers,
        leaseMs,
        pollMs,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      subscribers.set(subscription.name, running);
      return {
        async stop() {
          subscribers.delete(subscription.name);
          await running.stop();
        },
      };
    },

    async redeliver(consumer, event: EncodedEvent) {
      await ensureReady();
      await withTransaction(deps.pool, async (tx) => {
        const { rowCount } = await tx.query(`select 1 from ${schema}.subscriptions where consumer = $1`, [
          consumer,
        ]);
        if (rowCount === 0) throw new Error(`no subscription named ${consumer}`);
        await insertDeliveries(tx, schema, [consumer], [event.id], [event.json]);
      });
    },

    async depth(consumer) {
      await ensureReady();
      const { rows } = await deps.pool.query<{ n: number }>(
        `select count(*)::int as n from ${schema}.deliveries where consumer = $1`,
        [consumer],
      );
      return rows[0]?.n ?? 0;
    },

    async close() {
      await Promise.all([...subscribers.values()].map((s) => s.stop()));
      subscribers.clear();
      await listener?.stop();
      listener = undefined;
    },
  };
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
