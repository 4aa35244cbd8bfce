import { type Logger, sleep } from '@strongbox/kernel';
import { type Pool, quoteIdent } from '@strongbox/postgres';
import pg from 'pg';

/** Pause before replacing a failed LISTEN connection. */
export const LISTENER_RETRY_MS = 1_000;

export interface Listener {
  stop(): Promise<void>;
}

/**
 * Keeps one dedicated connection LISTENing on `channels` and replaces it when it fails. Notifications sent
 * while no connection listened are lost, so `onReconnect` runs after every (re)connection and callers
 * treat it as "anything may have happened".
 */
export function startListener(opts: {
  pool: Pool;
  channels: readonly string[];
  onNotify(payload: string, channel: string): void;
  onReconnect(): void;
  logger?: Logger;
  retryMs?: number;
}): Listener {
  const stopping = new AbortController();
  let current: pg.Client | undefined;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const client = new pg.Client(opts.pool.options);
      current = client;
      const ended = new Promise<void>((resolve) => {
        client.on('error', (err) => {
          opts.logger?.warn({ err, channels: opts.channels }, 'listener connection failed');
          resolve();
        });
        client.on('end', () => resolve());
      });
      client.on('notification', (msg) => {
        if (opts.channels.includes(msg.channel)) opts.onNotify(msg.payload ?? '', msg.channel);
      });
      try {
        await client.connect();
        for (const channel of opts.channels) await client.query(`listen ${quoteIdent(channel)}`);
        opts.onReconnect();
        await Promise.race([
          ended,
          new Promise((r) => stopping.signal.addEventListener('abort', r, { once: true })),
        ]);
      } catch (err) {
        if (!stopping.signal.aborted)
          opts.logger?.warn({ err, channels: opts.channels }, 'listener could not connect');
      } finally {
        await client.end().catch(() => undefined);
        current = undefined;
      }
      await sleep(opts.retryMs ?? LISTENER_RETRY_MS, stopping.signal);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await current?.end().catch(() => undefined);
      await loop;
    },
  };
}
