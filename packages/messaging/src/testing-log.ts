/**
 * Test support for the logs (ADR 0040): a test database with a PostgreSQL transport, service schemas with
 * the outbox archive whose relay therefore publishes in log mode, and consumers that record one effect per
 * event and count their deliveries by result.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, type CloudEvent, systemClock } from '@strongbox/kernel';
import { createPool, migrate, POSTGRES_MODULES, type Pool, type PoolClient } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { Registry } from 'prom-client';
import { startConsumer } from './consumer.ts';
import { createMessagingMetrics, type MessagingMetrics } from './metrics.ts';
import { postgresTransport } from './postgres-transport.ts';
import { startRelay } from './relay.ts';
import { effects, serviceSchema, silent, TEST_LEASE_MS, unique } from './testing.ts';
import { counter, FAST_BACKOFF } from './testing-suite.ts';
import type { Transport } from './transport.ts';

export const LOG_POLL_MS = 200;

export interface LogTransportOptions {
  /** Sees the text of every statement sent with the pool's query (a test counts them; the database answers). */
  readonly onQuery?: (text: string) => void;
  readonly leaseMs?: number;
}

export interface LogDatabase {
  readonly db: TestDatabase;
  /** A transport of its own (its own pool): a second instance of a consumer runs on another one. */
  transport(opts?: LogTransportOptions): Transport;
  close(): Promise<void>;
}

export async function logDatabase(name: string): Promise<LogDatabase> {
  const db = await createTestDatabase(name);
  const opened: Array<{ pool: Pool; transport: Transport }> = [];
  return {
    db,
    transport(opts = {}) {
      const pool = createPool({ url: db.url, sizeMax: 4, onError: () => undefined });
      if (opts.onQuery) countQueries(pool, opts.onQuery);
      const transport = postgresTransport({
        pool,
        leaseMs: opts.leaseMs ?? TEST_LEASE_MS,
        pollMs: LOG_POLL_MS,
        logger: silent,
      });
      opened.push({ pool, transport });
      return transport;
    },
    async close() {
      for (const o of opened) await o.transport.close();
      for (const o of opened) await o.pool.end();
      await db.drop();
    },
  };
}

/** Wraps the pool's own query so that `onQuery` sees each statement's text before it is sent. */
function countQueries(pool: Pool, onQuery: (text: string) => void): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const [config] = args;
    onQuery(typeof config === 'string' ? config : String((config as { text?: unknown }).text ?? ''));
    return query(...args);
  }) as Pool['query'];
}

export interface LogService {
  readonly schema: string;
  readonly pool: Pool;
  readonly type: string;
  readonly registry: Registry;
  readonly metrics: MessagingMetrics;
  startRelay(transport: Transport, clock?: Clock): Promise<void>;
  stopRelays(): Promise<void>;
  stop(): Promise<void>;
  /** Positions in the log of these events, in log order. */
  logPositions(eventIds: readonly string[]): Promise<bigint[]>;
  count(sql: string, params?: unknown[]): Promise<number>;
}

/** A service schema with the outbox archive; its relay (started by the test) publishes in log mode. */
export async function logService(url: string): Promise<LogService> {
  const svc = await serviceSchema(url);
  const dir = await mkdtemp(join(tmpdir(), 'strongbox-svc-'));
  await migrate(svc.pool, {
    schema: svc.schema,
    dir,
    modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.outboxArchive],
  });
  const registry = new Registry();
  const metrics = createMessagingMetrics(registry);
  const relays: Array<{ stop(): Promise<void> }> = [];
  return {
    ...svc,
    type: `${unique('t')}.thing.happened`,
    registry,
    metrics,
    async startRelay(transport, clock = systemClock) {
      relays.push(
        await startRelay({
          pool: svc.pool,
          schema: svc.schema,
          transport,
          logger: silent,
          clock,
          metrics,
          pollMs: 100,
          leaderRetryMs: 100,
          random: () => 0.5,
        }),
      );
    },
    async stopRelays() {
      for (const r of relays.splice(0)) await r.stop();
    },
    async stop() {
      for (const r of relays) await r.stop();
      await svc.pool.end();
    },
    async logPositions(eventIds) {
      const { rows } = await svc.pool.query<{ log_position: bigint }>(
        'select log_position from outbox_published where event_id = any($1) order by log_position',
        [eventIds],
      );
      return rows.map((r) => r.log_position);
    },
    async count(sql, params = []) {
      return (await svc.pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
    },
  };
}

export interface LogConsumer {
  readonly name: string;
  readonly registry: Registry;
  handled(): Promise<string[]>;
  /** Deliveries by result (handled, duplicate, retried, dead_lettered). */
  results(result: string): Promise<number>;
  stop(): Promise<void>;
}

export async function logConsumer(
  svc: LogService,
  transport: Transport,
  opts: {
    name?: string;
    eventTypes?: readonly string[];
    concurrency?: number;
    attemptsMax?: number;
    handle?: (tx: PoolClient, e: CloudEvent) => Promise<void>;
  } = {},
): Promise<LogConsumer> {
  const name = opts.name ?? unique('c-');
  const registry = new Registry();
  const running = await startConsumer(
    {
      name,
      eventTypes: opts.eventTypes ?? [svc.type],
      concurrency: opts.concurrency ?? 4,
      attemptsMax: opts.attemptsMax ?? 3,
      backoff: FAST_BACKOFF,
      async handle(tx, e) {
        await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id]);
        await opts.handle?.(tx, e);
      },
    },
    {
      pool: svc.pool,
      transport,
      logger: silent,
      clock: systemClock,
      metrics: createMessagingMetrics(registry),
      random: () => 0.5,
    },
  );
  return {
    name,
    registry,
    handled: () => effects(svc.pool, name),
    results: (result) => counter(registry, 'strongbox_consumer_messages_total', { consumer: name, result }),
    stop: () => running.stop(),
  };
}

/** The number of deliveries rows ever inserted in the messaging schema (the identity's last value). */
export async function deliveriesInserted(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string | null }>(
    "select pg_sequence_last_value(pg_get_serial_sequence('messaging.deliveries', 'id'))::text as n",
  );
  return Number(rows[0]?.n ?? 0);
}

export async function checkpoint(pool: Pool, consumer: string, source: string): Promise<bigint | undefined> {
  const { rows } = await pool.query<{ position: bigint }>(
    'select position from messaging.log_checkpoints where consumer = $1 and source = $2',
    [consumer, source],
  );
  return rows[0]?.position;
}
