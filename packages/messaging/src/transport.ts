import type { EncodedEvent } from './envelope.ts';

/**
 * What the relay and the consumer runtime need from a message transport. Two implement it: PostgreSQL (the
 * default, `postgresTransport`) and RabbitMQ (`rabbitTransport`, when AMQP_URL is set). The same consumer
 * code runs on either; ADR 0009 describes both.
 */
export interface Transport {
  readonly kind: 'postgres' | 'rabbitmq';
  /**
   * Publishes in order and waits for the transport to confirm. Only the first `confirmed` events are safe
   * to mark published; an event no consumer subscribes to is unroutable and is not confirmed, because
   * neither transport would keep it for a consumer that subscribes later. With `logSource`, the caller
   * promises the events will be in that source's log (ADR 0040): a transport with `logs` then only checks
   * that they are routable and copies nothing; one without (RabbitMQ) ignores the option.
   */
  publish(events: readonly EncodedEvent[], options?: PublishOptions): Promise<PublishOutcome>;
  /** Present when consumers can read a service's outbox archive as a log (PostgreSQL; ADR 0040). */
  readonly logs?: LogSources;
  /** Resolves once the consumer's queue exists and its patterns route to it. */
  subscribe(subscription: Subscription, handlers: SubscriptionHandlers): Promise<Subscriber>;
  /** Puts one event back in front of one consumer only (a dead-letter replay). Throws unless confirmed. */
  redeliver(consumer: string, event: EncodedEvent): Promise<void>;
  /** Messages waiting for the consumer, its lag. */
  depth(consumer: string): Promise<number>;
  close(): Promise<void>;
}

export interface PublishOptions {
  /** The schema whose archive will hold these events as a log; only for a source registered in `logs`. */
  readonly logSource?: string;
}

/** What a relay in log mode needs from the transport (ADR 0040). */
export interface LogSources {
  /** The channel to notify, with `notification(…)` as payload, when rows are added to a source's log. */
  readonly channel: string;
  /** The payload that tells the consumers taking any of these types that `source`'s log grew. */
  notification(source: string, types: readonly string[]): string;
  /**
   * Makes `source`'s archive a log its consumers read; every existing subscription gets a checkpoint at the
   * log's current end. Idempotent; call it before publishing with `logSource`.
   */
  register(source: string): Promise<void>;
  /** The lowest checkpoint on the source: rows above it are still to be read. Undefined when none. */
  readFloor(source: string): Promise<bigint | undefined>;
}

export type PublishFailureReason = 'unroutable' | 'rejected' | 'error';

export interface PublishOutcome {
  /** How many leading events were confirmed. */
  readonly confirmed: number;
  /** Why the event at `confirmed` was not; absent when all were. */
  readonly failure?: { readonly reason: PublishFailureReason; readonly error: Error };
}

export interface Subscription {
  /** Queue name on RabbitMQ, subscription key on PostgreSQL. */
  readonly name: string;
  /** Topic patterns (see topic.ts). */
  readonly eventTypes: readonly string[];
  /** Messages handled at once; also the prefetch, so a slow consumer slows intake. */
  readonly concurrency: number;
  /**
   * Patterns that follow the consumer's own data and change at run time (`Subscriber.setEventTypes`; ADR
   * 0046). Every event type then counts as routed to the subscription, and one its patterns do not take is
   * dropped by the transport instead of waiting for a subscriber (ADR 0008), as it was when such a consumer
   * took `#` and dropped it itself. Subscribing keeps the patterns already in place (another instance's);
   * `eventTypes` may be empty, and are added to them.
   */
  readonly adjustable?: boolean;
}

export interface Delivery {
  /** The body as received: parsed JSON, or text when it is not JSON. */
  readonly body: unknown;
  /** 1 on the first delivery. Every delivery counts, including one after a crash or an expired lease. */
  readonly attempt: number;
}

/** What the consumer runtime decided; the transport carries it out. */
export type Disposition = { readonly kind: 'ack' } | { readonly kind: 'retry'; readonly delayMs: number };

export interface SubscriptionHandlers {
  /**
   * Handles one message. Throwing means "no outcome": the message comes back later, exactly as after a
   * crash, so the transport never needs to tell a crash from an error.
   */
  onMessage(delivery: Delivery): Promise<Disposition>;
  /** A message the broker dead-lettered itself (RabbitMQ's delivery limit); resolving acknowledges it. */
  onDeadLettered(body: unknown, info: { readonly attempts: number; readonly reason: string }): Promise<void>;
}

export interface Subscriber {
  /** Stops taking messages and waits for those in hand. */
  stop(): Promise<void>;
  /**
   * An `adjustable` subscription's patterns become `eventTypes` (zero or more). Resolves once each of them
   * routes to the subscription, so an event published afterwards is taken; then the patterns this instance
   * had and those in `unbind` stop routing to it unless they are among `eventTypes`. The caller serialises
   * changes across instances (ADR 0046); a pattern another instance put in place is removed only when named
   * in `unbind` (RabbitMQ cannot list a queue's bindings) or, on PostgreSQL, by replacing the stored ones.
   * Throws for a subscription that is not adjustable.
   */
  setEventTypes(eventTypes: readonly string[], options?: EventTypesChange): Promise<void>;
}

export interface EventTypesChange {
  /** Patterns that may still route to the subscription (put in place by another instance) to remove. */
  readonly unbind?: readonly string[];
}

/** Runs `publish` and turns a thrown error into an outcome, so callers have one failure path. */
export async function publishSafely(
  transport: Transport,
  events: readonly EncodedEvent[],
  options?: PublishOptions,
): Promise<PublishOutcome> {
  try {
    return await transport.publish(events, options);
  } catch (err) {
    return { confirmed: 0, failure: { reason: 'error', error: asError(err) } };
  }
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
