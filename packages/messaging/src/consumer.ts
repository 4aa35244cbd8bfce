import { createHash } from 'node:crypto';
import {
  type BackoffPolicy,
  type Clock,
  type CloudEvent,
  type GroupCommit,
  groupCommit,
  type Logger,
  sleep,
} from '@strongbox/kernel';
import {
  isRetryable,
  type Pool,
  type PoolClient,
  schedulePeriodicJob,
  withTransaction,
} from '@strongbox/postgres';
import { countDead, type NewDeadLetter, recordDeadLetter } from '@strongbox/postgres/dead-letters';
import { probeInboxTables, purgeInbox, recordInbox } from '@strongbox/postgres/inbox';
import {
  CONSUMER_ATTEMPTS_MAX_DEFAULT,
  CONSUMER_CONCURRENCY_DEFAULT,
  CONSUMER_RETRY_BACKOFF,
  decideAfterFailure,
  describeError,
  HandlerFailed,
  limitProblems,
  overDeliveryLimit,
  splitsBatch,
} from './consumer-policy.ts';
import { parseEnvelope } from './envelope.ts';
import { INBOX_PURGE_SCHEDULE, INBOX_RETENTION_MS } from './inbox-retention.ts';
import type { MessagingMetrics } from './metrics.ts';
import { subscriptionProblems } from './topic.ts';
import type { Delivery, Disposition, Transport } from './transport.ts';

/**
 * Pause before giving a message back when its outcome could not even be recorded (the database is down):
 * RabbitMQ would redeliver at once, and a tight loop helps nobody.
 */
export const OUTCOME_FAILURE_PAUSE_MS = 1_000;
/**
 * Events handled in one transaction at most. Events that arrive while a transaction runs wait for the
 * next one, so under load one BEGIN, one inbox INSERT and one COMMIT serve many events; when idle an event
 * is handled alone, at once.
 */
export const CONSUMER_BATCH_MAX = 64;

/**
 * Registers work to start once the handler's transaction has committed (say, a next step that must see
 * the handler's writes). It does not run if the transaction rolls back; it is not retried if it fails.
 */
export type AfterCommit = (fn: () => void) => void;

export interface ConsumerSpec {
  /** Unique consumer name: the queue on RabbitMQ, the subscription on PostgreSQL, the inbox key. */
  readonly name: string;
  /** Topic patterns: 'balance.transfer.*', 'balance.#', '#'. */
  readonly eventTypes: readonly string[];
  /**
   * Runs inside the transaction that also writes the inbox row; throw to have the event retried. Several
   * events may share one transaction, each handled in turn: a handler that throws rolls the whole batch
   * back, and the others are then handled again without it, so a handler must keep its effects in `tx`
   * (or make them idempotent).
   */
  handle(tx: PoolClient, event: CloudEvent, afterCommit: AfterCommit): Promise<void>;
  /**
   * Optional: handles all the new events of one batch at once (one lookup instead of one per event). When
   * given it is used instead of `handle` for every batch; it must have the same effect as `handle` on each
   * event in turn, and a batch it fails is split like any other.
   */
  handleBatch?(tx: PoolClient, events: readonly CloudEvent[], afterCommit: AfterCommit): Promise<void>;
  /** Attempts before the event is dead-lettered; default CONSUMER_ATTEMPTS_MAX_DEFAULT (8). */
  readonly attemptsMax?: number;
  /**
   * Deliveries taken at once (the prefetch); a batch holds at most this many, and never more than
   * CONSUMER_BATCH_MAX. Default CONSUMER_CONCURRENCY_DEFAULT.
   */
  readonly concurrency?: number;
  /** Delay before retries; default CONSUMER_RETRY_BACKOFF. */
  readonly backoff?: BackoffPolicy;
}

export interface ConsumerDeps {
  /** The service's pool: its schema holds the inbox and dead_letters tables. */
  readonly pool: Pool;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: MessagingMetrics;
  readonly random?: () => number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

/**
 * Consumes events with exactly-once effects: the handler's effect and the inbox row (consumer, event id)
 * commit together, so a redelivered event finds its row and changes nothing. A handler that throws is
 * retried with jittered backoff up to `attemptsMax` attempts, then the event is dead-lettered with the
 * error, the attempt count and the time.
 *
 * @example
 * await startConsumer({ name: 'webhooks.fanout', eventTypes: ['#'], handle: (tx, e) => enqueue(tx, e) }, deps);
 */
export async function startConsumer(spec: ConsumerSpec, deps: ConsumerDeps): Promise<RunningConsumer> {
  const attemptsMax = spec.attemptsMax ?? CONSUMER_ATTEMPTS_MAX_DEFAULT;
  const concurrency = spec.concurrency ?? CONSUMER_CONCURRENCY_DEFAULT;
  const problems = [
    ...subscriptionProblems(spec.name, spec.eventTypes),
    ...limitProblems(attemptsMax, concurrency),
  ];
  if (problems.length > 0) throw new Error(`consumer ${spec.name}: ${problems.join('; ')}`);
  await probeInboxTables(deps.pool).catch((err) => {
    throw new Error(
      `consumer ${spec.name}: inbox or dead_letters is missing; apply POSTGRES_MODULES.inbox and .deadletters`,
      { cause: err },
    );
  });
  const ctx: Context = {
    spec,
    deps,
    attemptsMax,
    backoff: spec.backoff ?? CONSUMER_RETRY_BACKOFF,
    random: deps.random ?? Math.random,
    log: deps.logger.child({ component: 'consumer', consumer: spec.name }),
    batches: handlerBatches(spec, deps),
  };
  const subscriber = await deps.transport.subscribe(
    { name: spec.name, eventTypes: spec.eventTypes, concurrency },
    {
      onMessage: (delivery) => withPauseOnFailure(ctx, () => consume(ctx, delivery)),
      onDeadLettered: (body, info) =>
        withPauseOnFailure(ctx, async () => {
          const error = `the broker dead-lettered the message (${info.reason}) after ${info.attempts} deliveries`;
          await deadLetter(ctx, body, { reason: 'delivery_limit', error, attempts: info.attempts });
        }),
    },
  );
  // The inbox would otherwise grow by a row per event for ever.
  const retention = schedulePeriodicJob({
    name: `inbox-purge:${spec.name}`,
    pattern: INBOX_PURGE_SCHEDULE,
    pool: deps.pool,
    run: async (tx) => {
      const purged = await purgeInbox(
        tx,
        spec.name,
        new Date(deps.clock.now().getTime() - INBOX_RETENTION_MS),
      );
      if (purged > 0) ctx.log.info({ purged }, 'handled events forgotten after their retention');
    },
    onError: (err) => ctx.log.warn({ err }, 'inbox purge failed; it runs again next minute'),
  });
  deps.metrics?.probes.lag.set(spec.name, () => deps.transport.depth(spec.name));
  deps.metrics?.probes.deadLetters.set(spec.name, () => countDead(deps.pool, spec.name));
  ctx.log.info({ eventTypes: spec.eventTypes, concurrency, attemptsMax }, 'consumer started');
  return {
    async stop() {
      deps.metrics?.probes.lag.delete(spec.name);
      deps.metrics?.probes.deadLetters.delete(spec.name);
      retention.stop();
      await subscriber.stop();
      await ctx.batches.close();
    },
  };
}

interface Context {
  readonly spec: ConsumerSpec;
  readonly deps: ConsumerDeps;
  readonly attemptsMax: number;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
  readonly log: Logger;
  readonly batches: GroupCommit<CloudEvent, Outcome>;
}

type Outcome = 'handled' | 'duplicate';

async function asHandlerFailure(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    // A deadlock or serialization failure is the transaction's, not the event's: withTransaction runs the
    // whole batch again.
    if (isRetryable(err)) throw err;
    throw new HandlerFailed(err);
  }
}

/**
 * Events that arrive together are handled in one transaction: one INSERT records them all in the inbox
 * (RETURNING says which are new), and each new one is handled in turn. One transaction at a time per
 * consumer and process, so batches of one process never wait on each other's locks. When a handler
 * throws, the batch is rolled back and split in halves until the failing event is alone, and only that
 * event is retried.
 */
function handlerBatches(spec: ConsumerSpec, deps: ConsumerDeps): GroupCommit<CloudEvent, Outcome> {
  return groupCommit<CloudEvent, Outcome>({
    batchSizeMax: CONSUMER_BATCH_MAX,
    batchWaitMs: 0,
    flushesInFlightMax: 1,
    queueItemsMax: CONSUMER_BATCH_MAX * 4,
    weight: () => 1,
    splittable: splitsBatch,
    overloaded: (reason) =>
      new Error(`consumer ${spec.name} is ${reason === 'closed' ? 'stopping' : 'full'}`),
    flush: async (events) => {
      let committed: Array<() => void> = [];
      const afterCommit: AfterCommit = (fn) => {
        committed.push(fn);
      };
      const outcomes = await withTransaction(deps.pool, async (tx) => {
        // A retried transaction starts over: only the last attempt's callbacks belong to what committed.
        committed = [];
        const fresh = await recordInbox(
          tx,
          spec.name,
          events.map((e) => e.id),
          deps.clock.now(),
        );
        // The same event twice in one batch: the first takes the inbox row, the second is a duplicate.
        const outcomes: Outcome[] = events.map((e) => (fresh.delete(e.id) ? 'handled' : 'duplicate'));
        const handled = events.filter((_, i) => outcomes[i] === 'handled');
        const { handleBatch } = spec;
        if (handleBatch) {
          if (handled.length > 0) await asHandlerFailure(() => handleBatch(tx, handled, afterCommit));
        } else {
          for (const event of handled) await asHandlerFailure(() => spec.handle(tx, event, afterCommit));
        }
        return outcomes;
      });
      for (const fn of committed) {
        try {
          fn();
        } catch (err) {
          deps.logger.error({ err, consumer: spec.name }, 'after-commit work failed');
        }
      }
      return outcomes;
    },
  });
}

async function consume(ctx: Context, delivery: Delivery): Promise<Disposition> {
  const { spec, deps } = ctx;
  const parsed = parseEnvelope(delivery.body);
  if (!parsed.ok) {
    await deadLetter(ctx, delivery.body, {
      reason: 'malformed',
      error: parsed.problem,
      attempts: delivery.attempt,
    });
    return { kind: 'ack' };
  }
  const event = parsed.event;
  // Built only when something is logged: a child logger per event is measurable at thousands per second.
  const log = () => ctx.log.child({ eventId: event.id, eventType: event.type, traceId: event.traceid });
  if (overDeliveryLimit(delivery.attempt, ctx.attemptsMax)) {
    const error = `delivered ${delivery.attempt} times without an outcome (the consumer died while handling it)`;
    await deadLetter(ctx, event, { reason: 'delivery_limit', error, attempts: delivery.attempt });
    log().error({ attempt: delivery.attempt }, 'event dead-lettered: delivery limit');
    return { kind: 'ack' };
  }
  const ageMs = deps.clock.now().getTime() - Date.parse(event.time);
  if (Number.isFinite(ageMs))
    deps.metrics?.eventAge.observe({ consumer: spec.name }, Math.max(0, ageMs) / 1000);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = await ctx.batches.submit(event);
    deps.metrics?.handlerDuration.observe({ consumer: spec.name, outcome: result }, seconds());
    deps.metrics?.messages.inc({ consumer: spec.name, result });
    if (result === 'duplicate' && ctx.log.isLevelEnabled('debug'))
      log().debug('duplicate delivery; already handled');
    return { kind: 'ack' };
  } catch (caught) {
    const err = caught instanceof HandlerFailed ? caught.original : caught;
    deps.metrics?.handlerDuration.observe({ consumer: spec.name, outcome: 'failed' }, seconds());
    const decision = decideAfterFailure(delivery.attempt, ctx.attemptsMax, ctx.backoff, ctx.random);
    if (decision.kind === 'retry') {
      deps.metrics?.messages.inc({ consumer: spec.name, result: 'retried' });
      log().warn({ err, attempt: delivery.attempt, delayMs: decision.delayMs }, 'handler failed; will retry');
      return { kind: 'retry', delayMs: decision.delayMs };
    }
    await deadLetter(ctx, event, {
      reason: 'handler_failed',
      error: describeError(err),
      attempts: delivery.attempt,
    });
    log().error({ err, attempt: delivery.attempt }, 'handler failed; event dead-lettered');
    return { kind: 'ack' };
  }
}

async function deadLetter(
  ctx: Context,
  body: unknown,
  what: Pick<NewDeadLetter, 'reason' | 'error' | 'attempts'>,
): Promise<void> {
  const parsed = parseEnvelope(body);
  const letter: NewDeadLetter = parsed.ok
    ? {
        ...what,
        consumer: ctx.spec.name,
        eventId: parsed.event.id,
        eventType: parsed.event.type,
        envelope: parsed.event,
        traceId: parsed.event.traceid,
      }
    : {
        ...what,
        consumer: ctx.spec.name,
        // Without an event id, the body's hash keeps redeliveries of the same bytes on one row.
        eventId: `malformed:${createHash('sha256').update(stableText(body)).digest('hex')}`,
        eventType: 'unknown',
        envelope: typeof body === 'object' && body !== null ? body : { raw: stableText(body) },
        traceId: undefined,
      };
  await recordDeadLetter(ctx.deps.pool, letter, ctx.deps.clock);
  ctx.deps.metrics?.messages.inc({ consumer: ctx.spec.name, result: 'dead_lettered' });
}

function stableText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body ?? null);
}

/**
 * When even the outcome cannot be recorded (the database is unreachable), the message must come back
 * later rather than be acknowledged; a short pause first keeps a broker's immediate redelivery from
 * spinning.
 */
async function withPauseOnFailure<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    ctx.log.error({ err }, 'could not record the outcome; the message will be delivered again');
    await sleep(OUTCOME_FAILURE_PAUSE_MS);
    throw err;
  }
}
