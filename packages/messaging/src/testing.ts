/**
 * Test support for the messaging package: a service schema per test (so an event one test leaves
 * unpublished never stalls another test's relay), real transports, and bounded waits.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLogger, type Logger } from '@strongbox/http';
import { type CloudEvent, cloudEvent, systemClock } from '@strongbox/kernel';
import {
  appendOutbox,
  createPool,
  migrate,
  POSTGRES_MODULES,
  type Pool,
  withTransaction,
} from '@strongbox/postgres';
import { Connection } from 'rabbitmq-client';
import { postgresTransport } from './postgres-transport.ts';
import { rabbitNames } from './rabbit-topology.ts';
import { rabbitTransport } from './rabbit-transport.ts';
import type { Transport } from './transport.ts';

export const AMQP_URL = process.env['AMQP_URL'];
export const silent: Logger = createLogger({ service: 'test', level: 'silent' });
/**
 * Bounded waits: a condition that never holds fails the test instead of hanging it. Generous, because a
 * condition that holds returns at once and a loaded machine may take many seconds to get there.
 */
export const WAIT_MS_DEFAULT = 30_000;
const WAIT_STEP_MS = 20;
/**
 * Test transports give up a dead consumer's claim after 5 s instead of a minute: short enough for the
 * tests that kill a consumer, long enough that a live one on a loaded machine does not lose its claim
 * mid-handling (which would add a delivery, and a duplicate or an attempt to the counts tests check).
 */
export const TEST_LEASE_MS = 5_000;

export const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = WAIT_MS_DEFAULT,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
  }
}

/** A fresh service schema with the outbox, inbox and dead-letter modules, as a service applies them. */
export async function serviceSchema(url: string, poolSizeMax = 5): Promise<{ schema: string; pool: Pool }> {
  const schema = unique('svc_');
  const pool = createPool({ url, schema, sizeMax: poolSizeMax, onError: () => undefined });
  const dir = await mkdtemp(join(tmpdir(), 'strongbox-svc-'));
  await migrate(pool, {
    schema,
    dir,
    modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.inbox, POSTGRES_MODULES.deadletters],
  });
  // The effect tests count: one row per handled event, in the order handlers committed.
  await pool.query(
    'create table effects (seq bigint generated always as identity, consumer text, event_id text)',
  );
  return { schema, pool };
}

/** Events of a type unique to the test, so no other test's consumer matches them. */
export function events(type: string, count: number, from = 0): CloudEvent<{ n: number }>[] {
  return Array.from({ length: count }, (_, i) =>
    cloudEvent(
      {
        service: 'test',
        type,
        subject: `thing_${from + i}`,
        data: { n: from + i },
        traceId: `trace${from + i}`,
      },
      systemClock,
    ),
  );
}

export async function append(pool: Pool, list: readonly CloudEvent[]): Promise<void> {
  await withTransaction(pool, (tx) => appendOutbox(tx, list));
}

export async function effects(pool: Pool, consumer: string): Promise<string[]> {
  const { rows } = await pool.query<{ event_id: string }>(
    'select event_id from effects where consumer = $1 order by seq',
    [consumer],
  );
  return rows.map((r) => r.event_id);
}

export interface TransportCase {
  readonly kind: 'postgres' | 'rabbitmq';
  readonly skip: string | false;
  /** A transport of this kind; `pool` is used by the PostgreSQL one. */
  make(pool: Pool): Transport;
  /** Removes what the test created on the broker. */
  cleanup(consumers: readonly string[]): Promise<void>;
}

export function transportCases(): TransportCase[] {
  const namespace = unique('test-');
  return [
    {
      kind: 'postgres',
      skip: false,
      make: (pool) => postgresTransport({ pool, leaseMs: TEST_LEASE_MS, pollMs: 200, logger: silent }),
      cleanup: async () => undefined,
    },
    {
      kind: 'rabbitmq',
      skip: AMQP_URL ? false : 'AMQP_URL is not set',
      make: () =>
        rabbitTransport({
          url: AMQP_URL ?? '',
          namespace,
          connectionName: unique('strongbox-test-'),
          logger: silent,
        }),
      cleanup: (consumers) => deleteRabbitQueues(consumers, namespace),
    },
  ];
}

export async function deleteRabbitQueues(consumers: readonly string[], namespace: string): Promise<void> {
  if (!AMQP_URL) return;
  const rabbit = new Connection({ url: AMQP_URL, connectionTimeout: 5_000 });
  try {
    for (const c of consumers) {
      const n = rabbitNames(c, namespace);
      for (const queue of [n.queue, n.retryQueue, n.deadQueue, n.discardQueue])
        await rabbit.queueDelete({ queue }).catch(() => undefined);
    }
    const n = rabbitNames('', namespace);
    for (const exchange of [n.exchange, n.deadLetterExchange])
      await rabbit.exchangeDelete({ exchange }).catch(() => undefined);
  } finally {
    await rabbit.close();
  }
}

const run = promisify(execFile);

/**
 * Closes every broker connection of this name, as a broker restart does: RabbitMQ sends the same
 * connection.close (320 CONNECTION_FORCED) on shutdown. Other connections (other test files on the same
 * broker) are untouched, which a real `rabbitmqctl stop_app` would not allow.
 */
export async function forceCloseConnections(connectionName: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    'pid',
    'client_properties',
    '-q',
    '--no-table-headers',
  ]);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0] ?? '')
    .filter((pid) => pid.startsWith('<'));
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'test: broker restart']);
  return pids.length;
}
