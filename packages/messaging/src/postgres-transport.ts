import type { Logger } from '@strongbox/kernel';
import { migrate, type Pool, quoteIdent } from '@strongbox/postgres';
import type { EncodedEvent } from './envelope.ts';
import { type Listener, startListener } from './pg-listener.ts';
import {
  checkpointFloor,
  LOG_CHANNEL,
  logLag,
  logNotification,
  notifiedTypes,
  registerLogSource,
} from './postgres-log.ts';
import {
  DELIVERIES_CHANNEL,
  queueDepth,
  redeliverTo,
  routeEvents,
  SUBSCRIPTIONS_CHANNEL,
  setStoredPatterns,
  storedPatterns,
  upsertSubscription,
} from './postgres-queue.ts';
import { startPgSubscriber } from './postgres-subscriber.ts';
import { patternProblems, topicRegex } from './topic.ts';
import type { Subscriber, Subscription, Transport } from './transport.ts';

export { DELIVERIES_CHANNEL } from './postgres-queue.ts';

/** The schema that holds the shared subscriptions and deliveries; the same for every service. */
export const MESSAGING_SCHEMA = 'messaging';
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
 * consumers claim their rows with FOR UPDATE SKIP LOCKED. Events of a service whose archive is a log
 * (ADR 0040) are not copied: each consumer reads that log from a checkpoint of its own. The SQL is in
 * postgres-queue.ts and postgres-log.ts, each consumer's loop in postgres-subscriber.ts.
 *
 * @example
 * const transport = postgresTransport({ pool });
 */
export function postgresTransport(deps: PostgresTransportDeps): Transport {
  const schemaName = deps.messagingSchema ?? MESSAGING_SCHEMA;
  const schema = quoteIdent(schemaName);
  const leaseMs = deps.leaseMs ?? PG_LEASE_MS;
  const pollMs = deps.pollMs ?? PG_POLL_MS;
  const subscribers = new Map<string, LocalSubscriber>();
  let listener: Listener | undefined;
  const ensureReady = onceMigrated(deps.pool, schemaName);

  /** An adjustable subscription's instance takes the stored patterns another instance set (ADR 0046). */
  const adopt = async (s: LocalSubscriber) => {
    const stored = await storedPatterns(deps.pool, schema, s.subscription.name);
    if (stored) s.adopt(stored);
  };
  const adoptAll = () => {
    for (const s of subscribers.values())
      if (s.subscription.adjustable)
        adopt(s).catch((err) => deps.logger?.warn({ err }, 'stored patterns could not be read'));
  };

  const ensureListener = () => {
    listener ??= startListener({
      pool: deps.pool,
      channels: [DELIVERIES_CHANNEL, LOG_CHANNEL, SUBSCRIPTIONS_CHANNEL],
      // A log's notification names the types just added: only the consumers taking one of them wake (the
      // others move past those rows at their next poll).
      onNotify: (payload, channel) => {
        if (channel === DELIVERIES_CHANNEL) {
          subscribers.get(payload)?.wakeDeliveries();
          return;
        }
        if (channel === SUBSCRIPTIONS_CHANNEL) {
          const s = subscribers.get(payload);
          if (s?.subscription.adjustable)
            adopt(s).catch((err) => deps.logger?.warn({ err }, 'stored patterns could not be read'));
          return;
        }
        const types = notifiedTypes(payload);
        for (const s of subscribers.values())
          if (!types || types.some((t) => s.takes.some((r) => r.test(t)))) s.wake();
      },
      onReconnect: () => {
        for (const s of subscribers.values()) s.wakeDeliveries();
        adoptAll();
      },
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
  };

  return {
    kind: 'postgres',

    async publish(events, options) {
      if (events.length === 0) return { confirmed: 0 };
      if (events.length > PG_PUBLISH_BATCH_MAX)
        throw new Error(`at most ${PG_PUBLISH_BATCH_MAX} events per publish`);
      await ensureReady();
      // Events that will be in a registered log are read from it (ADR 0040): routing is only checked.
      return await routeEvents(deps.pool, schema, events, options?.logSource === undefined);
    },

    logs: {
      channel: LOG_CHANNEL,
      notification: logNotification,
      async register(source) {
        await ensureReady();
        await registerLogSource(deps.pool, schema, source);
      },
      async readFloor(source) {
        await ensureReady();
        return await checkpointFloor(deps.pool, schema, source);
      },
    },

    async subscribe(subscription, handlers): Promise<Subscriber> {
      if (subscribers.has(subscription.name))
        throw new Error(`${subscription.name} is already subscribed here`);
      await ensureReady();
      await upsertSubscription(deps.pool, schema, subscription);
      ensureListener();
      // An adjustable subscription starts from the patterns stored, which its eventTypes were added to.
      const eventTypes = subscription.adjustable
        ? ((await storedPatterns(deps.pool, schema, subscription.name)) ?? subscription.eventTypes)
        : subscription.eventTypes;
      const running = startPgSubscriber({
        pool: deps.pool,
        schema,
        subscription: { ...subscription, eventTypes },
        handlers,
        leaseMs,
        pollMs,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      const local: LocalSubscriber = {
        ...running,
        subscription,
        takes: eventTypes.map((p) => new RegExp(topicRegex(p))),
        adopt(patterns) {
          local.takes = patterns.map((p) => new RegExp(topicRegex(p)));
          running.setEventTypes(patterns);
        },
      };
      subscribers.set(subscription.name, local);
      return {
        async stop() {
          subscribers.delete(subscription.name);
          await running.stop();
        },
        async setEventTypes(next) {
          if (!subscription.adjustable) throw new Error(`${subscription.name} is not adjustable`);
          const problems = patternProblems(next, 0);
          if (problems.length > 0) throw new Error(`${subscription.name}: ${problems.join('; ')}`);
          // The stored patterns are the subscription's: replacing them removes every other one, whoever
          // set it, so `unbind` has nothing to add here.
          await setStoredPatterns(deps.pool, schema, subscription.name, next);
          local.adopt(next);
        },
      };
    },

    async redeliver(consumer, event: EncodedEvent) {
      await ensureReady();
      await redeliverTo(deps.pool, schema, consumer, event);
    },

    async depth(consumer) {
      await ensureReady();
      const [queued, lag] = await Promise.all([
        queueDepth(deps.pool, schema, consumer),
        logLag(deps.pool, schema, consumer),
      ]);
      return queued + lag;
    },

    async close() {
      await Promise.all([...subscribers.values()].map((s) => s.stop()));
      subscribers.clear();
      await listener?.stop();
      listener = undefined;
    },
  };
}

/** One subscription of this process: its loop, and the patterns its log notifications are filtered by. */
interface LocalSubscriber {
  readonly subscription: Subscription;
  takes: readonly RegExp[];
  wake(): void;
  wakeDeliveries(): void;
  /** This instance's patterns become these (an adjustable subscription's, set here or by another instance). */
  adopt(patterns: readonly string[]): void;
  stop(): Promise<void>;
}

/**
 * The schema is created on first use by whichever process gets there first; migrate() serialises them. A
 * failed attempt is forgotten, so the next use tries again.
 */
function onceMigrated(pool: Pool, schemaName: string): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= migrate(pool, { schema: schemaName, dir: MIGRATIONS_DIR }).then(
      () => undefined,
      (err: unknown) => {
        ready = undefined;
        throw err;
      },
    );
    return ready;
  };
}
