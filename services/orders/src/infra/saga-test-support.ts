/**
 * The saga runner's integration harness: orders' own code against real PostgreSQL and a real balance.
 *
 * Balance runs as its own process (`services/balance/src/main.ts`, as in production), on one test database
 * where each test also gets a fresh orders schema migrated with MIGRATIONS. It is not imported: services
 * never import each other's code (ADR 0003, `npm run check:deps`), so orders reaches it over HTTP only,
 * exactly as it does in production. Identity's part is played by a locally generated signing key, whose
 * public half balance fetches from a JWKS endpoint served here; the saga's tokens are signed with it.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { createLogger, jwtVerifier } from '@strongbox/http';
import type { ServiceTokens } from '@strongbox/http/service-token';
import { testKeys } from '@strongbox/http/testing';
import { startServiceProcess, stopServiceProcess } from '@strongbox/http/testing-process';
import {
  type Clock,
  type CloudEvent,
  cloudEvent,
  fixedClock,
  type ManualClock,
  newId,
} from '@strongbox/kernel';
import { createPool, migrate, type Pool, withTransaction } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance } from 'fastify';
import { createLocalJWKSet } from 'jose';
import { buildApp, MIGRATIONS } from '../app.ts';
import { ordersConfig } from '../config.ts';
import { newOrder, type Order } from '../domain/order.ts';
import type { BalanceClient } from '../ports.ts';
import type { OrdersMetrics } from './metrics.ts';
import { findOrder, insertOrder } from './orders-sql.ts';
import type { SagaRunner } from './saga-runner.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
/** Balance's entry point, started as a process of its own (never imported, see above). */
const BALANCE_MAIN = resolve(ROOT, 'services/balance/src/main.ts');
const ISSUER = 'strongbox-identity';
const AUDIENCE = 'strongbox';
/** Bounds of everything the harness waits for; none is a timing assertion. */
export const WAIT_TIMEOUT_MS = 60_000;
const POLL_MS = 25;
/** The orders service client, as identity would name it (role `service`). */
export const ORDERS_CLIENT = 'cli_orders';
export const T0 = new Date('2026-03-01T12:00:00.000Z');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it answers something, within WAIT_TIMEOUT_MS. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** The real balance service as a child process that can be stopped and started again on its port. */
export interface BalanceProcess {
  /** Balance's address, known once the first start has reported its port. */
  readonly url: string;
  /** Starts a new balance process on the same database and port; resolves once it answers /ready. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, a graceful shutdown); resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * The first start is on port 0 and keeps the port balance reports (no port is picked up front and left for
 * another process to take). A restart binds that same port again, as a restarted deployment keeps its
 * address: the orders instances under test hold balance's URL in their configuration, exactly as in
 * production, so the address cannot move under them. Should another process take the port in between (an
 * outgoing connection's ephemeral port, rarely), the restart fails saying the port is taken.
 */
function balanceProcess(env: Record<string, string>): BalanceProcess {
  let child: ChildProcess | undefined;
  let port = 0;
  return {
    get url() {
      if (port === 0) throw new Error('balance has not started yet');
      return `http://127.0.0.1:${port}`;
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null)
        throw new Error('balance is already running');
      const p = await startServiceProcess(BALANCE_MAIN, {
        cwd: ROOT,
        env: { ...env, BALANCE_PORT: String(port) },
      });
      child = p.child;
      port = p.port;
    },
    stop: () => stopServiceProcess(child, 'SIGTERM'),
  };
}

export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: balance's answers are inspected field by field.
  readonly body: any;
}

/** Calls to the real balance over HTTP with one caller's token. */
export interface BalanceApi {
  get(path: string): Promise<Answer>;
  post(path: string, body: unknown): Promise<Answer>;
}

/** Tries of a call balance sheds under load (503 with Retry-After), as a well-behaved client makes. */
const SHED_RETRIES_MAX = 20;

function balanceApi(url: string, token: string): BalanceApi {
  const once = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': key }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const answer: Answer = { status: res.status, body: text ? JSON.parse(text) : undefined };
    return { answer, retryAfterS: Number(res.headers.get('retry-after')) };
  };
  // A call shed under load has no outcome yet: it is sent again, under the same key, after the time
  // balance asked for, so the harness's own set-up never depends on how busy the machine is.
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const key = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const { answer, retryAfterS } = await once(method, path, key, body);
      if (answer.status !== 503 || !retryAfterS || attempt >= SHED_RETRIES_MAX) return answer;
      await sleep(retryAfterS * 1_000);
    }
  };
  return { get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) };
}

/** A customer with a funded account of their own and a merchant to pay, both real accounts in balance. */
export interface Customer {
  readonly id: string;
  readonly accountId: string;
  readonly merchantAccountId: string;
  /** Balance as the customer sees it (their own token). */
  readonly api: BalanceApi;
  /** The customer's own access token, as identity would issue it (role `customer`). */
  readonly token: string;
}

/** One orders instance, built by buildApp as main.ts builds it: its own pool, balance client and saga runner. */
export interface OrdersInstance {
  /** The instance's HTTP API (inject requests into it; it listens on no port). */
  readonly app: FastifyInstance;
  readonly pool: Pool;
  readonly saga: SagaRunner;
  readonly balance: BalanceClient;
  readonly metrics: OrdersMetrics;
  /** Runs the timer's tick in a transaction, as the periodic job does. */
  tick(): Promise<number>;
  /** Statements this instance has sent to PostgreSQL so far (BEGIN and COMMIT included), over all its connections. */
  statements(): number;
  close(): Promise<void>;
}

export interface InstanceOptions {
  readonly schema: string;
  readonly clock: Clock;
  readonly processingTimeoutMs?: number;
  readonly resumeAfterMs?: number;
  /** The service token source; by default one that always answers the orders client's token. */
  readonly tokens?: ServiceTokens;
}

export const PROCESSING_TIMEOUT_MS = 60_000;
export const RESUME_AFTER_MS = 2_000;

export interface SagaHarness {
  readonly db: TestDatabase;
  readonly balance: BalanceProcess;
  /** Balance as the orders service client sees it. */
  readonly service: BalanceApi;
  readonly serviceToken: string;
  /** A fresh orders schema on the shared test database, migrated exactly as orders does at start. */
  ordersSchema(): Promise<string>;
  instance(opts: InstanceOptions): Promise<OrdersInstance>;
  customer(funds: number): Promise<Customer>;
  /** Requests balance has answered so far on one route template (`GET /v1/accounts/:id`), from its metrics. */
  balanceCalls(method: string, route: string): Promise<number>;
  close(): Promise<void>;
}

export async function startSagaHarness(): Promise<SagaHarness> {
  const db = await createTestDatabase('orders_saga');
  const keys = await testKeys({ issuer: ISSUER, audience: AUDIENCE });
  const jwks: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const jwksAddress = jwks.address();
  if (typeof jwksAddress !== 'object' || !jwksAddress) throw new Error('the JWKS server has no port');
  const balance = balanceProcess({
    PATH: process.env['PATH'] ?? '',
    NODE_ENV: 'production',
    // Production requires the secret the gateway signs forwarded addresses with (ADR 0021).
    GATEWAY_FORWARDING_SECRET: 'saga-test-forwarding-secret-of-32-characters',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '4',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    IDENTITY_JWKS_URL: `http://127.0.0.1:${jwksAddress.port}/.well-known/jwks.json`,
    BALANCE_JOBS: 'false',
  });
  const pools: Pool[] = [];
  const instances = new Set<OrdersInstance>();
  const shutdown = async () => {
    for (const i of instances) await i.close();
    await balance.stop();
    await Promise.all(pools.map((p) => p.end()));
    await new Promise((r) => jwks.close(r));
    await db.drop();
  };
  try {
    await balance.start();
  } catch (err) {
    await shutdown();
    throw err;
  }
  const url = balance.url;
  const serviceToken = await keys.sign(ORDERS_CLIENT, ['service']);
  const verifier = jwtVerifier({
    keys: createLocalJWKSet({ keys: [keys.jwk] }),
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  const service = balanceApi(url, serviceToken);
  const openAccount = async (body: Record<string, unknown>): Promise<string> => {
    const res = await service.post('/v1/accounts', { currency: 'EUR', ...body });
    if (res.status !== 201) throw new Error(`opening an account: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  const funding = await openAccount({ ownerId: ORDERS_CLIENT, allowNegative: true, name: 'funding' });
  let schemas = 0;

  return {
    db,
    balance,
    service,
    serviceToken,
    async ordersSchema() {
      schemas += 1;
      const schema = `orders_${schemas}`;
      const pool = createPool({ url: db.url, schema, sizeMax: 2, onError: () => undefined });
      try {
        await migrate(pool, { schema, dir: MIGRATIONS.dir, modules: MIGRATIONS.modules });
      } finally {
        await pool.end();
      }
      return schema;
    },
    async instance(opts) {
      const pool = createPool({ url: db.url, schema: opts.schema, sizeMax: 6, onError: () => undefined });
      pools.push(pool);
      // Every statement goes through a client's query(), the pool's own query() included: counted there.
      let statements = 0;
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        client.query = ((...args: unknown[]) => {
          statements += 1;
          return query(...args);
        }) as typeof client.query;
      });
      const { app, saga, balance, metrics } = await buildApp({
        pool,
        clock: opts.clock,
        logger: createLogger({ service: 'orders', level: 'silent' }),
        verifier,
        config: ordersConfig({
          BALANCE_URL: url,
          ORDERS_CLIENT_ID: ORDERS_CLIENT,
          ORDERS_PROCESSING_TIMEOUT_MS: String(opts.processingTimeoutMs ?? PROCESSING_TIMEOUT_MS),
          ORDERS_RESUME_AFTER_MS: String(opts.resumeAfterMs ?? RESUME_AFTER_MS),
        }),
        tokens: opts.tokens ?? { get: async () => serviceToken, invalidate: () => undefined },
        // The backoff's jitter at its midpoint, so retry times are known exactly.
        random: () => 0.5,
      });
      let closed: Promise<void> | undefined;
      const instance: OrdersInstance = {
        app,
        pool,
        saga,
        balance,
        metrics,
        tick: () => withTransaction(pool, (tx) => saga.tick(tx)),
        statements: () => statements,
        close() {
          closed ??= (async () => {
            instances.delete(instance);
            await app.close();
            await balance.close();
            pools.splice(pools.indexOf(pool), 1);
            await pool.end();
          })();
          return closed;
        },
      };
      instances.add(instance);
      return instance;
    },
    async customer(funds) {
      const id = `usr_${randomUUID()}`;
      const accountId = await openAccount({ ownerId: id, name: 'wallet' });
      const merchantAccountId = await openAccount({ ownerId: `usr_${randomUUID()}`, name: 'merchant' });
      if (funds > 0) {
        const res = await service.post('/v1/transfers', {
          debitAccountId: funding,
          creditAccountId: accountId,
          amount: funds,
          currency: 'EUR',
        });
        if (res.status !== 201) throw new Error(`funding: ${res.status} ${JSON.stringify(res.body)}`);
      }
      const token = await keys.sign(id, ['customer']);
      return { id, accountId, merchantAccountId, api: balanceApi(url, token), token };
    },
    async balanceCalls(method, route) {
      const res = await fetch(`${url}/metrics`);
      const text = await res.text();
      // One series per status code: http_request_duration_seconds_count{…method="GET",route="…",…} n
      let n = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith('http_request_duration_seconds_count{')) continue;
        if (!line.includes(`method="${method}"`) || !line.includes(`route="${route}"`)) continue;
        n += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return n;
    },
    close: shutdown,
  };
}

/** A fixed clock at T0 for one test: the saga's time moves only when the test says so. */
export function testClock(): ManualClock {
  return fixedClock(T0);
}

/** Inserts a pending order exactly as POST /v1/orders builds it (features/create-order/route.ts). */
export async function placeOrder(pool: Pool, clock: Clock, c: Customer, amount: number): Promise<Order> {
  const order = newOrder(
    {
      id: newId('ord', clock),
      customerId: c.id,
      accountId: c.accountId,
      merchantAccountId: c.merchantAccountId,
      amountMinor: BigInt(amount),
      currency: 'EUR',
      description: 'saga integration test',
      items: [{ name: 'book', quantity: 1 }],
      traceId: randomUUID().replaceAll('-', ''),
    },
    clock.now(),
  );

  await insertOrder(pool, order);
  return order;
}

export async function orderOf(pool: Pool, id: string): Promise<Order> {
  const o = await findOrder(pool, id);
  if (!o) throw new Error(`no order ${id}`);
  return o;
}

/** The processor's events as it publishes them (services/processor/src/infra/events.ts). */
export function processorEvent(
  o: Order,
  clock: Clock,
  e: { type: 'started' } | { type: 'completed' } | { type: 'failed'; error: string },
): CloudEvent {
  const data =
    e.type === 'started'
      ? { orderId: o.id, processingId: 'prc_test' }
      : {
          orderId: o.id,
          processingId: 'prc_test',
          status: e.type,
          ...(e.type === 'failed' ? { error: e.error } : {}),
        };
  return cloudEvent(
    {
      service: 'processor',
      type: e.type === 'started' ? 'processor.order.started' : 'processor.order.processed',
      subject: o.id,
      data,
      traceId: o.traceId,
    },
    clock,
  );
}

/** The events orders appended about an order, in outbox order. */
export async function outboxOf(
  pool: Pool,
  orderId: string,
): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const { rows } = await pool.query<{ type: string; envelope: CloudEvent<Record<string, unknown>> }>(
    'select type, envelope from outbox where subject = $1 order by position',
    [orderId],
  );
  return rows.map((r) => ({ type: r.type, data: r.envelope.data }));
}
