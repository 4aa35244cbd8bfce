import type { Logger } from '@strongbox/kernel';
import type { Consumer } from 'rabbitmq-client';
import { openRabbitConnection } from './rabbit-connection.ts';
import { rabbitPublisher } from './rabbit-publisher.ts';
import { subscribeRabbit } from './rabbit-subscriber.ts';
import { rabbitExchanges, rabbitNames } from './rabbit-topology.ts';
import type { Subscriber, Transport } from './transport.ts';

export {
  RABBIT_ACQUIRE_TIMEOUT_MS,
  RABBIT_CONNECT_TIMEOUT_MS,
  RABBIT_HEARTBEAT_S,
  RABBIT_RETRY_HIGH_MS,
  RABBIT_RETRY_LOW_MS,
} from './rabbit-connection.ts';
export { RABBIT_PREFETCH_PER_HANDLER, RABBIT_READY_TIMEOUT_MS } from './rabbit-subscriber.ts';

export const RABBIT_PUBLISH_BATCH_MAX = 1_000;

export interface RabbitTransportDeps {
  readonly url: string;
  /**
   * Prefixes every exchange and queue name (`<namespace>.strongbox.events`, `<namespace>.<consumer>`), so
   * environments or test runs can share a broker. Unset in production.
   */
  readonly namespace?: string;
  /** Shown by `rabbitmqctl list_connections`; lets operators (and the restart test) find this process. */
  readonly connectionName?: string;
  readonly logger?: Logger;
}

/**
 * RabbitMQ as the transport (when AMQP_URL is set): a topic exchange routed by event type, publisher
 * confirms with `mandatory`, one durable quorum queue per consumer with a retry queue and a dead-letter
 * queue beside it (ADR 0009). rabbitmq-client reconnects and redeclares everything after a broker restart.
 * The connection, the publisher and each subscription's consumers are built in their own files.
 *
 * @example
 * const transport = rabbitTransport({ url: 'amqp://guest:guest@127.0.0.1:5672', logger });
 */
export function rabbitTransport(deps: RabbitTransportDeps): Transport {
  const names = (consumer: string) => rabbitNames(consumer, deps.namespace);
  const { exchange } = names('');
  const exchanges = rabbitExchanges(names(''));
  const log = deps.logger?.child({ transport: 'rabbitmq' });
  const rabbit = openRabbitConnection({ url: deps.url, connectionName: deps.connectionName, log });
  const publisher = rabbitPublisher(rabbit, exchanges);
  const consumers = new Set<Consumer>();

  return {
    kind: 'rabbitmq',

    // No `logs` here, so no relay asks for a log source (ADR 0040): every event goes through the broker.
    async publish(events) {
      if (events.length > RABBIT_PUBLISH_BATCH_MAX)
        throw new Error(`at most ${RABBIT_PUBLISH_BATCH_MAX} events per publish`);
      // All sends go out pipelined on one channel; confirms may come back in any order, but only the
      // confirmed prefix counts, so the relay never marks an event after one that failed.
      return await publisher.confirm(events.map((e) => publisher.send(e, { exchange, routingKey: e.type })));
    },

    async subscribe(subscription, handlers): Promise<Subscriber> {
      const parts = { rabbit, publisher, exchanges, consumers, log };
      return await subscribeRabbit(parts, names(subscription.name), subscription, handlers);
    },

    async redeliver(consumer, event) {
      const routingKey = names(consumer).queue;
      const outcome = await publisher.confirm([publisher.send(event, { exchange: '', routingKey })]);
      if (outcome.failure) throw outcome.failure.error;
    },

    async depth(consumer) {
      const { messageCount } = await rabbit.queueDeclare({ queue: names(consumer).queue, passive: true });
      return messageCount;
    },

    async close() {
      await Promise.all([...consumers].map((c) => c.close()));
      consumers.clear();
      await publisher.close();
      await rabbit.close();
    },
  };
}
