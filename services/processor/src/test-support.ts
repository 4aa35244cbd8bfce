/**
 * Test support for the processor's integration tests: a database migrated as at start, orders' events,
 * the consumer runtime's transaction around the intake handler, a processor's worker and intake wired as
 * app.ts wires them with a step the test ends, the processing records and outbox rows as the database
 * holds them, a pool that counts what it sends, and a worker that only records what intake hands it.
 */
import { after, afterEach } from 'node:test';
import { createLogger } from '@strongbox/http';
import { type Clock, type CloudEvent, cloudEvent } from '@strongbox/kernel';
import type { AfterCommit } from '@strongbox/messaging';
import { migrate, type Pool, type PoolClient, withTransaction } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { intake, MIGRATIONS, SERVICE } from './app.ts';
import type { ProcessingRecord, StepResult } from './domain/processing.ts';
import {
  type ProcessingStep,
  type Reservation,
  type StartedVia,
  startWorker,
  type Worker,
} from './infra/worker.ts';
import { type SlotLedger, slotLedger } from './infra/worker-slots.ts';

export async function processorDatabase(prefix: string): Promise<{ db: TestDatabase; pool: Pool }> {
  const db = await createTestDatabase(prefix);
  const pool = db.pool(SERVICE);
  await migrate(pool, MIGRATIONS);
  return { db, pool };
}

export const orderEvent = (
  clock: Clock,
  type: 'orders.order.created' | 'orders.order.cancelled',
  orderId: string,
  data: Record<string, unknown> = {},
) =>
  cloudEvent(
    {
      service: 'orders',
      type,
      subject: orderId,
      data: { orderId, amount: 2_500, currency: 'EUR', description: 'a book', ...data },
      traceId: `trace-${orderId}`,
    },
    clock,
  );

export type Handle = (tx: PoolClient, event: CloudEvent, afterCommit: AfterCommit) => Promise<void>;

/**
 * Handles the events in one transaction as the consumer runtime does (packages/messaging,
 * consumer-batches.ts): the handlers in turn, then the after-commit callbacks if it committed, the others
 * if it did not. `then` runs in the transaction after the handlers (a test's way to fail it late).
 */
export async function deliver(
  pool: Pool,
  handle: Handle,
  events: readonly CloudEvent[],
  then?: (tx: PoolClient) => Promise<void>,
): Promise<void> {
  const registered: Array<{ committed: () => void; notCommitted: (() => void) | undefined }> = [];
  const afterCommit: AfterCommit = (fn, ifNotCommitted) => {
    registered.push({ committed: fn, notCommitted: ifNotCommitted });
  };
  try {
    await withTransaction(
      pool,
      async (tx) => {
        for (const e of events) await handle(tx, e, afterCommit);
        await then?.(tx);
      },
      { retriesMax: 0 },
    );
  } catch (err) {
    for (const r of registered) r.notCommitted?.();
    throw err;
  }
  for (const r of registered) r.committed();
}

export interface StoredRecord {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  received_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export async function recordsOf(pool: Pool, orderId: string): Promise<StoredRecord[]> {
  const { rows } = await pool.query<StoredRecord>(
    `select id, status, attempts, last_error, next_attempt_at, received_at, started_at, finished_at, updated_at
       from processing where order_id = $1`,
    [orderId],
  );
  return rows;
}

/** The order's events in the outbox, in position order: their types, and the data of each. */
export async function outboxOf(
  pool: Pool,
  orderId: string,
): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const { rows } = await pool.query<{ type: string; envelope: { data: Record<string, unknown> } }>(
    'select type, envelope from outbox where subject = $1 order by position',
    [orderId],
  );
  return rows.map((r) => ({ type: r.type, data: r.envelope.data }));
}

/**
 * The pool, and every statement sent through it or through a client it lent (BEGIN and COMMIT included):
 * one entry per round trip to the server.
 */
export function countingPool(pool: Pool): { pool: Pool; sent: string[] } {
  const sent: string[] = [];
  const counted =
    <T extends object>(target: T & { query: (...args: never[]) => unknown }) =>
    (...args: Parameters<typeof target.query>) => {
      const q = args[0] as unknown;
      sent.push(typeof q === 'string' ? q : (q as { text: string }).text);
      return target.query(...args);
    };
  const bound = <T extends object>(target: T, key: string | symbol) => {
    const v = Reflect.get(target, key);
    return typeof v === 'function' ? v.bind(target) : v;
  };
  const proxy = new Proxy(pool, {
    get(target, key) {
      if (key === 'query') return counted(target);
      if (key === 'connect')
        return async () => {
          const client = await target.connect();
          return new Proxy(client, {
            get: (c, k) => (k === 'query' ? counted(c) : bound(c, k)),
          });
        };
      return bound(target, key);
    },
  });
  return { pool: proxy, sent };
}

/** A condition that never holds fails the test after this, instead of hanging it (a loaded CI machine). */
export const WAIT_MS = 30_000;

export async function waitFor(what: string, holds: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A step the test ends: each call waits until the test opens its gate with the result. */
export function gatedStep() {
  const waiting: Array<{ orderId: string; attempt: number; open(result: StepResult): void }> = [];
  let inFlight = 0;
  let inFlightMax = 0;
  const step: ProcessingStep = (r, attempt) => {
    inFlight += 1;
    inFlightMax = Math.max(inFlightMax, inFlight);
    return new Promise<StepResult>((resolve) => {
      waiting.push({
        orderId: r.orderId,
        attempt,
        open(result) {
          inFlight -= 1;
          resolve(result);
        },
      });
    });
  };
  return {
    step,
    waiting,
    /** Opens every gate now waiting; answers how many. */
    openAll(result: StepResult = { kind: 'done' }) {
      const now = waiting.splice(0);
      for (const g of now) g.open(result);
      return now.length;
    },
    /** The most attempts that were in the step at once. */
    inFlightMax: () => inFlightMax,
  };
}

export const doneStep: ProcessingStep = async () => ({ kind: 'done' });

export interface TestProcessor {
  readonly worker: Worker;
  readonly handle: Handle;
  /** Attempts started, by how they came to run (the processor_attempts_started_total counter's figures). */
  readonly started: Record<StartedVia, number>;
}

/**
 * One processor process: its worker and its intake, wired as app.ts wires them, on the pool given. With
 * `warnings`, the messages it logs at warn and above are pushed there. No jitter: a retry is due at once.
 */
export function startProcessor(
  pool: Pool,
  opts: {
    clock: Clock;
    step: ProcessingStep;
    concurrency: number;
    leaseMs: number;
    pollMs?: number;
    warnings?: string[];
  },
): TestProcessor {
  const started = { intake: 0, claim: 0 };
  const logger = createLogger({
    service: SERVICE,
    level: opts.warnings ? 'warn' : 'silent',
    destination: { write: (line: string) => opts.warnings?.push(JSON.parse(line).msg) },
  });
  const worker = startWorker({
    pool,
    clock: opts.clock,
    logger,
    step: opts.step,
    concurrency: opts.concurrency,
    leaseMs: opts.leaseMs,
    random: () => 0,
    onStarted: (via) => {
      started[via] += 1;
    },
    ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
  });
  const handle = intake({
    clock: opts.clock,
    logger,
    leaseMs: opts.leaseMs,
    reserveSlot: () => worker.reserve(),
    onReceived: () => worker.wake(),
  });
  return { worker, handle, started };
}

/** The worker's first claim (at its start) holds every free slot while it runs; intake waits it out. */
export const idle = (worker: Worker) => waitFor('the worker to be idle', () => worker.busySlots() === 0);

export const statusOf = async (pool: Pool, orderId: string) => (await recordsOf(pool, orderId))[0]?.status;
export const typesOf = async (pool: Pool, orderId: string) =>
  (await outboxOf(pool, orderId)).map((e) => e.type);

/**
 * A worker that is only its slots: a reservation's run is recorded, not executed, so a test sees what
 * intake alone leaves in the database.
 */
export function recordingSlots(concurrency: number): {
  slots: SlotLedger;
  runs: ProcessingRecord[];
  reserve(): Reservation | undefined;
} {
  const slots = slotLedger(concurrency);
  const runs: ProcessingRecord[] = [];
  return {
    slots,
    runs,
    reserve() {
      const hold = slots.hold();
      return hold
        ? {
            run(record) {
              if (hold.start()) runs.push(record);
            },
            release: () => hold.release(),
          }
        : undefined;
    },
  };
}

/**
 * The pieces every worker test file sets up: a database of each test's own (so no record of another test
 * is ever due for its worker), dropped after the file, and processors stopped after each test.
 */
export function workerHarness(prefix: string, leaseMs: number) {
  const databases: TestDatabase[] = [];
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  after(async () => {
    for (const db of databases) await db.drop();
  });
  return {
    /** Runs `stop` after the test, before the processors started earlier are stopped. */
    afterTest(stop: () => Promise<void>) {
      stops.push(stop);
    },
    async database(): Promise<{ db: TestDatabase; pool: Pool }> {
      const made = await processorDatabase(prefix);
      databases.push(made.db);
      return made;
    },
    /** A processor process (see startProcessor), stopped after the test. */
    processor(
      pool: Pool,
      opts: { clock: Clock; step: ProcessingStep; concurrency: number; pollMs?: number; warnings?: string[] },
    ) {
      const p = startProcessor(pool, { ...opts, leaseMs });
      stops.push(() => p.worker.stop());
      return p;
    },
  };
}
