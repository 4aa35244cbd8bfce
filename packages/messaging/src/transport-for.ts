import type { Logger } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import { postgresTransport } from './postgres-transport.ts';
import { rabbitTransport } from './rabbit-transport.ts';
import type { Transport } from './transport.ts';

/**
 * The transport a service runs on: RabbitMQ when `AMQP_URL` is set, else PostgreSQL itself (brief §2).
 * The connection is named after the service and process, so operators can find it in `rabbitmqctl`.
 *
 * @example
 * const transport = transportFor({ service: 'orders', amqpUrl: config.AMQP_URL, pool, logger });
 */
export function transportFor(opts: {
  service: string;
  amqpUrl: string | undefined;
  pool: Pool;
  logger: Logger;
}): Transport {
  return opts.amqpUrl
    ? rabbitTransport({
        url: opts.amqpUrl,
        connectionName: `strongbox-${opts.service}-${process.pid}`,
        logger: opts.logger,
      })
    : postgresTransport({ pool: opts.pool, logger: opts.logger });
}
