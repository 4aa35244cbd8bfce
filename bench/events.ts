/**
 * `npm run bench:events [-- --runs 3 --events 20000 --seconds 5]`: the event backbone's speed, each figure
 * beside a baseline measured in the same run on the same database.
 *
 * - Relay throughput: events/s from a pre-filled outbox to "marked published", through each transport,
 *   with a consumer draining at the same time. Baseline: a bare loop doing the relay's own SELECT + UPDATE
 *   batches with no transport at all (the database's floor for this work).
 * - Commit-to-handler latency (p50/p99) with producers committing one event per transaction at half the
 *   measured end-to-end peak, plus the largest outbox lag seen. Baseline: a tight loop that SELECTs and
 *   marks unpublished rows (the soonest a reader of the outbox sees a commit), at the same rate.
 *
 * The database is BENCH_DATABASE_URL or DATABASE_URL (a fresh database is created on that server and
 * dropped after), else a throwaway embedded server; RabbitMQ is measured when AMQP_URL is set. Figures are
 * medians of --runs runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@strongbox/http';
import { cloudEvent, systemClock } from '@strongbox/kernel';
import { startConsumer } from '@strongbox/messaging/consumer';
import { postgresTransport } from '@strongbox/messaging/postgres-transport';
import { rabbitNames } from '@strongbox/messaging/rabbit-topology';
import { rabbitTransport } from '@strongbox/messaging/rabbit-transport';
import { startRelay } from '@strongbox/messaging/relay';
import type { Transport } from '@strongbox/messaging/transport';
import {
  appendOutbox,
  createPool,
  migrate,
  POSTGRES_MODULES,
  type Pool,
  withTransaction,
} from '@strongbox/postgres';
import { startEmbedded } from '@strongbox/postgres/embedded';
import { markPublished, oldestUnpublishedAgeMs, readUnpublished } from '@strongbox/postgres/outbox';
import pg from 'pg';
import { Connection } from 'rabbitmq-client';
import { median, percentile, round } from './lib.ts';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    events: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '5' },
  },
});
const RUNS = Number(opts.runs);
const EVENTS = Number(opts.events);
const SECONDS = Number(opts.seconds);
const PRODUCERS = 8;
const PREFILL_BATCH = 500;
const CONSUMER_CONCURRENCY = 16;
const LAG_SAMPLE_MS = 100;
const DRAIN_TIMEOUT_MS = 120_000;
const logger = createLogger({ service: 'bench', level: 'silent' });
const AMQP_URL = process.env['AMQP_URL'];
const namespace = `bench-${randomBytes(3).toString('hex')}`;

/** p50 and p99 of unsorted millisecond samples. */
const p50p99 = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(5);
  }
}

let url = '';
/** A fresh service schema per measurement, so no run inherits another's rows. */
async function service(): Promise<{ schema: string; pool: Pool }> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  // Each measurement ends its pool: the server's connection limit is shared with whatever else runs.
  const pool = createPool({ url, schema, sizeMax: 24, onError: () => undefined });
  const modules = [POSTGRES_MODULES.outbox, POSTGRES_MODULES.inbox, POSTGRES_MODULES.deadletters];
  await migrate(pool, { schema, dir: await mkdtemp(join(tmpdir(), 'bench-')), modules });
  return { schema, pool };
}

const event = (type: string, n: number) =>
  cloudEvent({ service: 'bench', type, subject: `thing_${n}`, data: { n } }, systemClock);

async function prefill(pool: Pool, type: string): Promise<void> {
  for (let i = 0; i < EVENTS; i += PREFILL_BATCH) {
    const batch = Array.from({ length: Math.min(PREFILL_BATCH, EVENTS - i) }, (_, j) => event(type, i + j));
    await withTransaction(pool, (tx) => appendOutbox(tx, batch));
  }
}

const unpublished = async (pool: Pool) =>
  Number((await pool.query('select count(*) as n from outbox where published_at is null')).rows[0].n);

/** Producers commit one event per transaction on a fixed schedule; returns commit times by event id. */
async function produce(pool: Pool, type: string, rate: number): Promise<Map<string, number>> {
  const committed = new Map<string, number>();
  const total = Math.round(rate * SECONDS);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: PRODUCERS }, async (_, p) => {
      for (let n = p; n < total; n += PRODUCERS) {
        const due = start + (n / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const e = event(type, n);
        await withTransaction(pool, (tx) => appendOutbox(tx, [e]));
        committed.set(e.id, performance.now());
      }
    }),
  );
  return committed;
}

function makeTransport(kind: string, pool: Pool): Transport {
  return kind === 'rabbitmq'
    ? rabbitTransport({ url: AMQP_URL ?? '', namespace, logger })
    : postgresTransport({ pool, logger });
}

/** A service with a consumer that records when its handler starts, and a relay. */
async function pipeline(kind: string, transportPool: Pool) {
  const svc = await service();
  const type = `bench.${svc.schema}.happened`;
  const name = `bench-${svc.schema}`;
  const transport = makeTransport(kind, transportPool);
  const seen = new Map<string, number>();
  const deps = { pool: svc.pool, transport, logger, clock: systemClock };
  const consumer = await startConsumer(
    {
      name,
      eventTypes: [type],
      concurrency: CONSUMER_CONCURRENCY,
      handle: async (_tx, e) => void seen.set(e.id, performance.now()),
    },
    deps,
  );
  return {
    ...svc,
    type,
    seen,
    startRelay: () => startRelay({ ...deps, schema: svc.schema }),
    async stop() {
      await consumer.stop();
      await transport.close();
      await svc.pool.end();
      if (kind === 'rabbitmq') {
        const n = rabbitNames(name, namespace);
        await deleteQueues([n.queue, n.retryQueue, n.deadQueue]);
      }
    },
  };
}

/** Events/s from a full outbox to marked published (the relay), and to handled (end to end). */
async function throughput(kind: string, transportPool: Pool): Promise<{ relay: number; e2e: number }> {
  const p = await pipeline(kind, transportPool);
  await prefill(p.pool, p.type);
  const start = performance.now();
  const relay = await p.startRelay();
  await until('the outbox published', async () => (await unpublished(p.pool)) === 0);
  const relayRate = EVENTS / ((performance.now() - start) / 1000);
  await until('the consumer drained', async () => p.seen.size === EVENTS);
  const e2eRate = EVENTS / ((performance.now() - start) / 1000);
  await relay.stop();
  await p.stop();
  return { relay: relayRate, e2e: e2eRate };
}

/** The relay's own queries with nothing to publish to: read a batch, mark it, repeat. */
async function bareRelayThroughput(): Promise<number> {
  const svc = await service();
  await prefill(svc.pool, 'bench.bare.happened');
  const client = await svc.pool.connect();
  const start = performance.now();
  try {
    for (;;) {
      const batch = await readUnpublished(client, 500);
      if (batch.length === 0) break;
      await markPublished(
        client,
        batch.map((e) => e.position),
        new Date(),
      );
    }
  } finally {
    client.release();
  }
  const rate = EVENTS / ((performance.now() - start) / 1000);
  await svc.pool.end();
  return rate;
}

async function latency(kind: string, transportPool: Pool, rate: number) {
  const p = await pipeline(kind, transportPool);
  const relay = await p.startRelay();
  const lags: number[] = [];
  const sampler = setInterval(
    () => void oldestUnpublishedAgeMs(p.pool, new Date()).then((ms) => lags.push(ms)),
    LAG_SAMPLE_MS,
  );
  const committed = await produce(p.pool, p.type, rate);
  await until('every event handled', async () => p.seen.size === committed.size);
  clearInterval(sampler);
  await relay.stop();
  await p.stop();
  const ms = [...committed].map(([id, at]) => Math.max(0, (p.seen.get(id) ?? Number.NaN) - at));
  const half = Math.floor(lags.length / 2);
  return {
    ...p50p99(ms),
    lagMaxMs: Math.max(0, ...lags),
    lagLateMaxMs: Math.max(0, ...lags.slice(half)),
  };
}

/**
 * The plainest correct reader of the same outbox: a tight loop that SELECTs unpublished rows and marks
 * them, with no notification, transport or consumer. (A bare position cursor would be plainer but skips
 * rows that commit after higher positions, which is the very bug the relay must not have.)
 */
async function barePollLatency(rate: number) {
  const svc = await service();
  const seen = new Map<string, number>();
  let stop = false;
  const reader = (async () => {
    const client = await svc.pool.connect();
    try {
      while (!stop) {
        const batch = await readUnpublished(client, 500);
        const now = performance.now();
        for (const e of batch) seen.set(e.id, now);
        await markPublished(
          client,
          batch.map((e) => e.position),
          new Date(),
        );
      }
    } finally {
      client.release();
    }
  })();
  try {
    const committed = await produce(svc.pool, 'bench.poll.happened', rate);
    await until('the poller saw every event', async () => seen.size === committed.size);
    const ms = [...committed].map(([id, at]) => Math.max(0, (seen.get(id) ?? Number.NaN) - at));
    return p50p99(ms);
  } finally {
    stop = true;
    await reader;
    await svc.pool.end();
  }
}

async function deleteQueues(queues: readonly string[], exchangeToo = false): Promise<void> {
  const rabbit = new Connection({ url: AMQP_URL, connectionTimeout: 5_000 });
  try {
    for (const queue of queues) await rabbit.queueDelete({ queue });
    if (exchangeToo) {
      const n = rabbitNames('', namespace);
      for (const exchange of [n.exchange, n.deadLetterExchange]) await rabbit.exchangeDelete({ exchange });
    }
  } finally {
    await rabbit.close();
  }
}

async function main(): Promise<void> {
  const server = process.env['BENCH_DATABASE_URL'] ?? process.env['DATABASE_URL'];
  let stopServer = async () => {};
  let serverUrl = server ?? '';
  if (!server) {
    const embedded = await startEmbedded({
      home: resolve(import.meta.dirname, '..', '.strongbox', `bench-${process.pid}`),
      throwaway: true,
    });
    serverUrl = embedded.url;
    stopServer = () => embedded.stop();
    console.log('database: throwaway embedded PostgreSQL (fsync off); set DATABASE_URL for a real server');
  }
  const dbName = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  url = u.toString();
  const transportPool = createPool({ url, sizeMax: 12, onError: () => undefined });
  try {
    const sync = (await transportPool.query('show synchronous_commit')).rows[0].synchronous_commit;
    console.log(
      `runs: ${RUNS}, events per throughput run: ${EVENTS}, latency runs: ${SECONDS} s, synchronous_commit=${sync}`,
    );
    const bare = median(await repeat(() => bareRelayThroughput()));
    console.log(`\nbaseline  bare SELECT+UPDATE relay loop, no transport: ${Math.round(bare)} events/s`);
    for (const kind of AMQP_URL ? ['postgres', 'rabbitmq'] : ['postgres']) {
      const peaks = await repeat(() => throughput(kind, transportPool));
      const relayPeak = median(peaks.map((p) => p.relay));
      const e2ePeak = median(peaks.map((p) => p.e2e));
      // Latency means something only in a steady state, so the load is half of what the whole path
      // (relay, transport and consumer) sustains, not half of the relay alone.
      const rate = Math.round(e2ePeak / 2);
      const runs = await repeat(() => latency(kind, transportPool, rate));
      const base = await repeat(() => barePollLatency(rate));
      const f = (xs: number[]) => round(median(xs), 1);
      console.log(
        `\n${kind}: relay ${Math.round(relayPeak)} events/s (${round(relayPeak / bare, 2)}× the bare loop)`,
      );
      console.log(`${kind}: end to end (relay, transport, consumer) ${Math.round(e2ePeak)} events/s`);
      console.log(
        `${kind}: at ${rate} events/s (half the end-to-end peak), commit→handler p50 ${f(runs.map((r) => r.p50))} ms, ` +
          `p99 ${f(runs.map((r) => r.p99))} ms; outbox lag max ${f(runs.map((r) => r.lagMaxMs))} ms ` +
          `(second half ${f(runs.map((r) => r.lagLateMaxMs))} ms)`,
      );
      console.log(
        `baseline  tight SELECT poll at ${rate} events/s: commit→seen p50 ${f(base.map((r) => r.p50))} ms, p99 ${f(base.map((r) => r.p99))} ms`,
      );
    }
  } finally {
    if (AMQP_URL) await deleteQueues([], true);
    await transportPool.end();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await stopServer();
  }
}

async function repeat<T>(fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await fn());
  return out;
}

try {
  await main();
} catch (err) {
  // A stuck measurement leaves loops and connections open; exit rather than hang.
  console.error(err);
  process.exit(1);
}
