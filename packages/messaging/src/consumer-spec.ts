import type { BackoffPolicy, Clock, CloudEvent, GroupCommit, Logger } from '@strongbox/kernel';
import type { Pool, PoolClient } from '@strongbox/postgres';
import type { ConsumerMetrics } from './consumer-metrics.ts';
import type { MessagingMetrics } from './metrics.ts';
import type { Subscriber, Transport } from './transport.ts';

/**
 * Registers work to start once the handler's transaction has committed (say, a next step that must see
 * the handler's writes). It does not run if the transaction rolls back; it is not retried if it fails.
 * `ifNotCommitted` runs instead when the transaction does not commit: it rolled back (the batch failed,
 * and is split and handled again without this run's work), it is run again from the start (a deadlock or
 * serialization failure), or its COMMIT failed. Use it to give back what the handler took in memory for
 * the work, say a slot; a COMMIT that failed on a lost connection may still have committed, so what the
 * handler wrote must not need the work to happen (a lease that lapses, say).
 */
export type AfterCommit = (fn: () => void, ifNotCommitted?: () => void) => void;

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
  /**
   * `false` for a handler whose own writes make a second delivery add nothing (a unique key per event in
   * what it writes): the runtime then records no inbox row, so an event that changes nothing costs a
   * read-only transaction (ADR 0042). The same event twice in one batch is still handled once. Default
   * `true`: the inbox row makes every effect exactly-once.
   */
  readonly inbox?: boolean;
  /**
   * Patterns that follow the service's own data and change at run time (webhooks: the types its endpoints
   * select; ADR 0046). The subscription is then adjustable (`Subscription.adjustable`: every event type is
   * routable, the ones not taken are dropped), `eventTypes` may be empty, and once subscribed `attach` is
   * handed what changes the patterns: it must put the right ones in place before it resolves, since the
   * consumer counts as started only then.
   */
  readonly adjustable?: { attach(routing: ConsumerRouting): Promise<void> };
}

/** What changes a running adjustable consumer's patterns (see `Subscriber.setEventTypes`). */
export type ConsumerRouting = Pick<Subscriber, 'setEventTypes'>;

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

/** What the handled events of one batch came to: newly handled, or already in the inbox. */
export type Outcome = 'handled' | 'duplicate';

/** One running consumer's settings and parts, shared by its delivery, dead-letter and batch code. */
export interface ConsumerContext {
  readonly spec: ConsumerSpec;
  readonly deps: ConsumerDeps;
  readonly attemptsMax: number;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
  readonly log: Logger;
  readonly metrics: ConsumerMetrics;
  readonly batches: GroupCommit<CloudEvent, Outcome>;
}
