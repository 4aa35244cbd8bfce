import type { Logger } from '@strongbox/kernel';
import { type Connection, type Consumer, ConsumerStatus } from 'rabbitmq-client';
import { decodeBody } from './envelope.ts';
import type { RabbitPublisher } from './rabbit-publisher.ts';
import {
  attemptOf,
  deadQueueArguments,
  mainQueueArguments,
  RABBIT_DELIVERY_LIMIT,
  type RabbitExchange,
  type RabbitNames,
  retryQueueArguments,
} from './rabbit-topology.ts';
import { asError, type Subscriber, type Subscription, type SubscriptionHandlers } from './transport.ts';

/** `subscribe` waits this long for the queues and bindings to be in place. */
export const RABBIT_READY_TIMEOUT_MS = 15_000;
/** Messages prefetched per concurrent handler. */
export const RABBIT_PREFETCH_PER_HANDLER = 2;

export interface RabbitSubscriberDeps {
  readonly rabbit: Connection;
  readonly publisher: RabbitPublisher;
  readonly exchanges: readonly RabbitExchange[];
  /** Every client consumer that is open, so that closing the transport closes them too. */
  readonly consumers: Set<Consumer>;
  readonly log?: Logger | undefined;
}

/**
 * One subscription: a consumer on the subscription's quorum queue, and one on its dead-letter queue that
 * hands what the broker set aside to `onDeadLettered`. Its retry queue is declared first, because the
 * first failed message is published into it.
 */
export async function subscribeRabbit(
  deps: RabbitSubscriberDeps,
  n: RabbitNames,
  subscription: Subscription,
  handlers: SubscriptionHandlers,
): Promise<Subscriber> {
  const { rabbit, exchanges } = deps;
  await rabbit.queueDeclare({ queue: n.retryQueue, durable: true, arguments: retryQueueArguments(n) });
  const main = rabbit.createConsumer(
    {
      queue: n.queue,
      queueOptions: { queue: n.queue, durable: true, arguments: mainQueueArguments(n) },
      // A bounded prefetch: a slow consumer holds at most this many messages. Twice the concurrency
      // keeps the next message at hand while a quorum queue records the previous ack (a Raft write).
      qos: { prefetchCount: subscription.concurrency * RABBIT_PREFETCH_PER_HANDLER },
      concurrency: subscription.concurrency,
      exchanges: [...exchanges],
      queueBindings: subscription.eventTypes.map((routingKey) => ({
        exchange: n.exchange,
        queue: n.queue,
        routingKey,
      })),
      requeue: true,
    },
    async (msg) => {
      const attempt = attemptOf(msg.headers);
      const disposition = await handlers.onMessage({ body: decodeBody(msg.body), attempt });
      if (disposition.kind === 'retry')
        await deps.publisher.retry(n.retryQueue, msg, attempt, disposition.delayMs);
      return ConsumerStatus.ACK;
    },
  );
  const dead = rabbit.createConsumer(
    {
      queue: n.deadQueue,
      queueOptions: { queue: n.deadQueue, durable: true, arguments: deadQueueArguments() },
      qos: { prefetchCount: 1 },
      concurrency: 1,
      exchanges: [...exchanges],
      queueBindings: [{ exchange: n.deadLetterExchange, queue: n.deadQueue, routingKey: n.queue }],
      requeue: true,
    },
    async (msg) => {
      const reason = String(msg.headers?.['x-first-death-reason'] ?? 'unknown');
      const base = attemptOf({ ...msg.headers, 'x-delivery-count': 0 });
      const attempts = reason === 'delivery_limit' ? base + RABBIT_DELIVERY_LIMIT : base;
      await handlers.onDeadLettered(decodeBody(msg.body), { attempts, reason });
      return ConsumerStatus.ACK;
    },
  );
  return await tracked(deps, subscription.name, [main, dead]);
}

/** Tracks the consumers until they stop, and waits for them to be ready (closing them if they never are). */
async function tracked(deps: RabbitSubscriberDeps, name: string, pair: Consumer[]): Promise<Subscriber> {
  for (const c of pair) {
    deps.consumers.add(c);
    c.on('error', (err) => deps.log?.warn({ err, consumer: name }, 'consumer error; it recovers by itself'));
  }
  const stop = async () => {
    for (const c of pair) deps.consumers.delete(c);
    await Promise.all(pair.map((c) => c.close()));
  };
  try {
    await Promise.all(pair.map(whenReady));
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

/** Resolves when the consumer's queue, bindings and subscription are in place, or rejects with why not. */
function whenReady(consumer: Consumer): Promise<void> {
  return new Promise((resolve, reject) => {
    let last: unknown;
    const onError = (err: unknown) => {
      last = err;
    };
    const timer = setTimeout(() => {
      consumer.off('error', onError);
      reject(new Error(`queue not ready after ${RABBIT_READY_TIMEOUT_MS} ms: ${asError(last).message}`));
    }, RABBIT_READY_TIMEOUT_MS);
    consumer.on('error', onError);
    consumer.once('ready', () => {
      clearTimeout(timer);
      consumer.off('error', onError);
      resolve();
    });
  });
}
