import type { Logger } from '@strongbox/kernel';
import { Connection } from 'rabbitmq-client';

export const RABBIT_CONNECT_TIMEOUT_MS = 10_000;
/** How long a publish or declaration waits for a (re)connection before failing. */
export const RABBIT_ACQUIRE_TIMEOUT_MS = 10_000;
/** Reconnection backoff after a broker restart: steps of 250 ms, at most 5 s apart. */
export const RABBIT_RETRY_LOW_MS = 250;
export const RABBIT_RETRY_HIGH_MS = 5_000;
/** Missed heartbeats reveal a dead connection that no TCP reset announced. */
export const RABBIT_HEARTBEAT_S = 10;

/**
 * The one connection a transport uses for everything. rabbitmq-client reconnects by itself after a broker
 * restart and redeclares the publisher's and consumers' exchanges, queues and bindings.
 */
export function openRabbitConnection(opts: {
  url: string;
  connectionName?: string | undefined;
  log?: Logger | undefined;
}): Connection {
  const rabbit = new Connection({
    url: opts.url,
    connectionName: opts.connectionName ?? `strongbox-${process.pid}`,
    connectionTimeout: RABBIT_CONNECT_TIMEOUT_MS,
    acquireTimeout: RABBIT_ACQUIRE_TIMEOUT_MS,
    retryLow: RABBIT_RETRY_LOW_MS,
    retryHigh: RABBIT_RETRY_HIGH_MS,
    heartbeat: RABBIT_HEARTBEAT_S,
    // Nagle's algorithm holds small frames (acks, single messages) back for up to 40 ms while the last
    // segment is unacknowledged; with it on, publish-to-deliver took ~20 ms at 1,400 messages/s here,
    // and under 1 ms without it.
    noDelay: true,
  });
  rabbit.on('error', (err) => opts.log?.warn({ err }, 'rabbitmq connection error; reconnecting'));
  return rabbit;
}
