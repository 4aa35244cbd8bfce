/**
 * The suite both transports run: a test database, a transport of the kind, and `pipeline()`, which gives a
 * test its own service schema, a consumer that records one effect per event, and a relay.
 */
import { after, before, describe } from 'node:test';
import { type CloudEvent, systemClock } from '@strongbox/kernel';
import { createPool, type Pool, type PoolClient } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { Registry } from 'prom-client';
import { startConsumer } from './consumer.ts';
import { createMessagingMetrics, type MessagingMetrics } from './metrics.ts';
import { startRelay } from './relay.ts';
import { serviceSchema, silent, type TransportCase, transportCases, unique } from './testing.ts';
import type { Transport } from './transport.ts';

/** Retries in milliseconds, so a poison message is dead-lettered within the test's bounds. */
export const FAST_BACKOFF = { baseMs: 10, capMs: 40 };

export async function counter(
  metrics: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await metrics.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

export interface Pipeline {
  readonly pool: Pool;
  readonly schema: string;
  readonly type: string;
  readonly name: string;
  readonly registry: Registry;
  readonly metrics: MessagingMetrics;
  relayBackendPid(): number | undefined;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  handle?: (tx: PoolClient, e: CloudEvent) => Promise<void>;
  attemptsMax?: number;
  concurrency?: number;
  consumerTransport?: Transport;
  relayTransport?: Transport;
}

export interface Suite {
  readonly db: TestDatabase;
  readonly transport: Transport;
  /** Consumer names to remove from the broker afterwards. */
  readonly consumers: string[];
  pipeline(opts: PipelineOptions): Promise<Pipeline>;
  /** Another transport of the kind on the same database or broker namespace, as another process has. */
  other(): Transport;
}

/** Runs `body` once per transport (RabbitMQ only when AMQP_URL is set), each on a database of its own. */
export function describeOnTransports(
  title: string,
  body: (suite: () => Suite, kind: TransportCase['kind']) => void,
): void {
  for (const tc of transportCases()) {
    describe(`${title} (${tc.kind})`, { skip: tc.skip }, () => {
      let suite: Suite | undefined;
      let transportPool: Pool;
      before(async () => {
        const db = await createTestDatabase(`msg_${tc.kind}`);
        transportPool = createPool({ url: db.url, sizeMax: 4, onError: () => undefined });
        const transport = tc.make(transportPool);
        const consumers: string[] = [];
        suite = {
          db,
          transport,
          consumers,
          pipeline: (opts) => pipeline(db, transport, consumers, opts),
          other: () => tc.make(transportPool),
        };
      });
      after(async () => {
        if (!suite) return;
        await suite.transport.close();
        await tc.cleanup(suite.consumers);
        await transportPool.end();
        await suite.db.drop();
      });
      body(() => {
        if (!suite) throw new Error('the suite is not set up');
        return suite;
      }, tc.kind);
    });
  }
}

async function pipeline(
  db: TestDatabase,
  transport: Transport,
  consumers: string[],
  opts: PipelineOptions,
): Promise<Pipeline> {
  const svc = await serviceSchema(db.url);
  const type = `${unique('t')}.thing.happened`;
  const name = unique('c-');
  consumers.push(name);
  const registry = new Registry();
  const metrics = createMessagingMetrics(registry);
  const consumer = await startConsumer(
    {
      name,
      eventTypes: [type],
      attemptsMax: opts.attemptsMax ?? 3,
      concurrency: opts.concurrency ?? 4,
      backoff: FAST_BACKOFF,
      async handle(tx, e) {
        await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id]);
        await opts.handle?.(tx, e);
      },
    },
    {
      pool: svc.pool,
      transport: opts.consumerTransport ?? transport,
      logger: silent,
      clock: systemClock,
      metrics,
    },
  );
  const relay = await startRelay({
    pool: svc.pool,
    schema: svc.schema,
    transport: opts.relayTransport ?? transport,
    logger: silent,
    clock: systemClock,
    metrics,
    leaderRetryMs: 100,
    random: () => 0.5,
  });
  return {
    ...svc,
    type,
    name,
    registry,
    metrics,
    relayBackendPid: () => relay.backendPid,
    async stop() {
      await relay.stop();
      await consumer.stop();
      await svc.pool.end();
    },
  };
}
