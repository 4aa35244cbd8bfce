import type { Logger } from '@strongbox/kernel';
import { type Connection, type Consumer, ConsumerStatus } from 'rabbitmq-client';
import { decodeBody } from './envelope.ts';
import type { RabbitPublisher } from './rabbit-publisher.ts';
import {
  ALL_TYPES,
  attemptOf,
  deadQueueArguments,
  discardQueueArguments,
  mainQueueArguments,
  RABBIT_DELIVERY_LIMIT,
  type RabbitExchange,
  type RabbitNames,
  retryQueueArguments,
} from './rabbit-topology.ts';
import { patternProblems } from './topic.ts';
import {
  asError,
  type EventTypesChange,
  type Subscriber,
  type Subscription,
  type SubscriptionHandlers,
} from './transport.ts';

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
 * first failed message is published into it. An adjustable subscription (ADR 0046) also has a discard
 * queue bound to every type, and its bindings change with `setEventTypes`.
 */
export async function subscribeRabbit(
  deps: RabbitSubscriberDeps,
  n: RabbitNames,
  subscription: Subscription,
  handlers: SubscriptionHandlers,
): Promise<Subscriber> {
  const { rabbit, exchanges } = deps;
  await rabbit.queueDeclare({ queue: n.retryQueue, durable: true, arguments: retryQueueArguments(n) });
  // The client binds these again after every reconnect; setEventTypes keeps the list as this instance's
  // patterns (another instance's list may be older: a stale extra binding takes more, never less).
  const bindings = subscription.eventTypes.map((routingKey) => binding(n, routingKey));
  const main = rabbit.createConsumer(
    {
      queue: n.queue,
      queueOptions: { queue: n.queue, durable: true, arguments: mainQueueArguments(n) },
      // A bounded prefetch: a slow consumer holds at most this many messages. Twice the concurrency
      // keeps the next message at hand while a quorum queue records the previous ack (a Raft write).
      qos: { prefetchCount: subscription.concurrency * RABBIT_PREFETCH_PER_HANDLER },
      concurrency: subscription.concurrency,
      exchanges: [...exchanges],
      queueBindings: bindings,
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
  const stop = await tracked(deps, subscription.name, [main, dead]);
  // After the consumers are ready, so the events exchange exists to bind to.
  if (subscription.adjustable)
    await declareDiscard(rabbit, n).catch(async (err: unknown) => {
      await stop();
      throw err;
    });
  let changing = Promise.resolve();
  return {
    stop,
    async setEventTypes(eventTypes, change) {
      if (!subscription.adjustable) throw new Error(`${subscription.name} is not adjustable`);
      const problems = patternProblems(eventTypes, 0);
      if (problems.length > 0) throw new Error(`${subscription.name}: ${problems.join('; ')}`);
      // One change at a time in this process: a later change must not unbind what an earlier one binds.
      const next = changing.then(() => rebind(rabbit, n, bindings, eventTypes, change));
      changing = next.catch(() => undefined);
      return await next;
    },
  };
}

function binding(n: RabbitNames, routingKey: string) {
  return { exchange: n.exchange, queue: n.queue, routingKey };
}

/**
 * Binds every wanted pattern (each bind-ok comes after the binding routes, so an event published after
 * this resolves reaches the queue), then unbinds the ones no longer wanted. Binding all, not only the new
 * ones, puts back a binding lost meanwhile (a queue deleted and declared again by the client).
 */
async function rebind(
  rabbit: Connection,
  n: RabbitNames,
  bindings: ReturnType<typeof binding>[],
  eventTypes: readonly string[],
  change: EventTypesChange | undefined,
): Promise<void> {
  const wanted = new Set(eventTypes);
  await Promise.all([...wanted].map((key) => rabbit.queueBind(binding(n, key))));
  const had = new Set([...bindings.map((b) => b.routingKey), ...(change?.unbind ?? [])]);
  bindings.splice(0, bindings.length, ...[...wanted].map((key) => binding(n, key)));
  await Promise.all(
    [...had].filter((key) => !wanted.has(key)).map((key) => rabbit.queueUnbind(binding(n, key))),
  );
}

/** The adjustable subscription's discard queue, bound to every type (rabbit-topology.ts). */
async function declareDiscard(rabbit: Connection, n: RabbitNames): Promise<void> {
  await rabbit.queueDeclare({ queue: n.discardQueue, durable: true, arguments: discardQueueArguments() });
  await rabbit.queueBind({ exchange: n.exchange, queue: n.discardQueue, routingKey: ALL_TYPES });
}

/** Tracks the consumers until they stop, and waits for them to be ready (closing them if they never are). */
async function tracked(
  deps: RabbitSubscriberDeps,
  name: string,
  pair: Consumer[],
): Promise<Subscriber['stop']> {
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
  return stop;
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
