/**
 * RabbitMQ names and queue arguments, as pure functions so they are tested without a broker and declared
 * identically by every process (a queue redeclared with other arguments is refused by the broker).
 */
export const EVENTS_EXCHANGE = 'strongbox.events';
export const DEAD_LETTER_EXCHANGE = 'strongbox.dead-letters';
/**
 * The broker's own safety net: a message delivered this often without an ack or nack (the consumer died
 * each time) is dead-lettered by RabbitMQ. The runtime gives up earlier, after attemptsMax deliveries.
 */
export const RABBIT_DELIVERY_LIMIT = 20;
/** Header carrying the attempt number on a retried copy; redeliveries add x-delivery-count to it. */
export const ATTEMPT_HEADER = 'x-strongbox-attempt';

/** Every name one consumer uses on the broker. */
export interface RabbitNames {
  readonly exchange: string;
  readonly deadLetterExchange: string;
  readonly queue: string;
  readonly retryQueue: string;
  readonly deadQueue: string;
  /** An adjustable subscription's (ADR 0046): bound to every type, holds nothing. */
  readonly discardQueue: string;
}

/**
 * A namespace prefixes every exchange and queue (`ci-42.strongbox.events`, `ci-42.webhooks`), so several
 * environments or test runs can share one broker without seeing each other's messages.
 */
export function rabbitNames(consumer: string, namespace?: string): RabbitNames {
  const p = namespace ? `${namespace}.` : '';
  return {
    exchange: `${p}${EVENTS_EXCHANGE}`,
    deadLetterExchange: `${p}${DEAD_LETTER_EXCHANGE}`,
    queue: `${p}${consumer}`,
    retryQueue: `${p}${consumer}.retry`,
    deadQueue: `${p}${consumer}.dead`,
    discardQueue: `${p}${consumer}.discard`,
  };
}

/** An exchange as the client declares it (before the first publish or consume, and after reconnecting). */
export interface RabbitExchange {
  readonly exchange: string;
  readonly type: 'topic' | 'direct';
  readonly durable: boolean;
}

/** The events exchange, routed by event type, and the dead-letter exchange, routed by queue name. */
export function rabbitExchanges(n: Pick<RabbitNames, 'exchange' | 'deadLetterExchange'>): RabbitExchange[] {
  return [
    { exchange: n.exchange, type: 'topic', durable: true },
    { exchange: n.deadLetterExchange, type: 'direct', durable: true },
  ];
}

/**
 * The consumer's quorum queue. Dead-lettering is at-least-once (which quorum queues offer only with
 * reject-publish overflow), into the dead-letter exchange under the queue's name.
 */
export function mainQueueArguments(n: RabbitNames): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': n.deadLetterExchange,
    'x-dead-letter-routing-key': n.queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    'x-delivery-limit': RABBIT_DELIVERY_LIMIT,
  };
}

/**
 * Where a failed message waits out its backoff: it is published here with a per-message expiration and no
 * one consumes the queue, so on expiry the broker dead-letters it (at least once) back into the
 * consumer's queue through the default exchange. Expiry happens at the head of the queue, so a retry may
 * wait behind a longer one; delays are capped (CONSUMER_RETRY_BACKOFF), and so is that wait.
 */
export function retryQueueArguments(n: RabbitNames): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': n.queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

export function deadQueueArguments(): Record<string, unknown> {
  return { 'x-queue-type': 'quorum' };
}

/**
 * An adjustable subscription's discard queue, bound with `#`: every event is routed (so the relay's
 * `mandatory` publish is confirmed, as when the consumer's own queue took `#`) and dropped on arrival,
 * since a classic queue of length 0 keeps nothing: no Raft write, no delivery, no ack (ADR 0046).
 */
export function discardQueueArguments(): Record<string, unknown> {
  return { 'x-queue-type': 'classic', 'x-max-length': 0 };
}

/** Every event type, as a topic pattern. */
export const ALL_TYPES = '#';

/** The attempt number of a delivered message: its copy's attempt plus the broker's redelivery count. */
export function attemptOf(headers: Record<string, unknown> | undefined): number {
  const base = Number(headers?.[ATTEMPT_HEADER] ?? 1);
  const redeliveries = Number(headers?.['x-delivery-count'] ?? 0);
  return (
    (Number.isInteger(base) && base > 0 ? base : 1) + (Number.isInteger(redeliveries) ? redeliveries : 0)
  );
}

/** Headers of the retry copy: the next attempt, without the broker's bookkeeping from this copy. */
export function retryHeaders(
  headers: Record<string, unknown> | undefined,
  attempt: number,
): Record<string, unknown> {
  const kept = Object.fromEntries(
    Object.entries(headers ?? {}).filter(
      ([k]) =>
        !k.startsWith('x-death') &&
        !k.startsWith('x-first-death') &&
        !k.startsWith('x-last-death') &&
        k !== 'x-delivery-count',
    ),
  );
  return { ...kept, [ATTEMPT_HEADER]: attempt + 1 };
}
