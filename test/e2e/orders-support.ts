/**
 * Shared pieces of the orders end-to-end tests: the system with orders' service client, users with funded
 * accounts, calls through the gateway, and bounded polling for a saga to reach a state.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { type RunningSystem, startSystem } from '../../scripts/system.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PASSWORD = 'a long enough passphrase';
export const TERMINAL = ['completed', 'failed', 'cancelled', 'rejected'];
const POLL_MS = 100;
export const POLL_TIMEOUT_MS = 30_000;

export interface Api {
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; key?: string; trace?: string },
  ): Promise<{ status: number; headers: Headers; body: ReturnType<typeof JSON.parse>; text: string }>;
}

/** How often a shed or timed-out request is tried again, as a well-behaved client would. */
const CLIENT_RETRIES_MAX = 10;
const RETRY_AFTER_DEFAULT_S = 1;

/**
 * Whether a client would send the same request again: the system shed it under load (503 with
 * Retry-After), its outcome is unknown (504) or the first try under the same key is still running (409
 * idempotency_in_progress). Only requests that are safe to repeat: reads, and writes with their key.
 */
function retryable(method: string, key: string | undefined, status: number, headers: Headers, text: string) {
  if (method !== 'GET' && !key) return false;
  if (status === 503) return headers.has('retry-after');
  if (status === 504) return true;
  return status === 409 && text.includes('"idempotency_in_progress"');
}

export function api(base: () => string): Api {
  const once = async (method: string, path: string, opts: Parameters<Api['call']>[2] = {}) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.key ? { 'idempotency-key': opts.key } : {}),
        ...(opts.trace ? { 'x-trace-id': opts.trace } : {}),
      },
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
  };
  return {
    async call(method, path, opts = {}) {
      for (let attempt = 1; ; attempt++) {
        const res = await once(method, path, opts);
        if (attempt > CLIENT_RETRIES_MAX || !retryable(method, opts.key, res.status, res.headers, res.text))
          return res;
        const waitS = Number(res.headers.get('retry-after')) || RETRY_AFTER_DEFAULT_S;
        await new Promise((r) => setTimeout(r, waitS * 1_000));
      }
    },
  };
}

/** Runs one of identity's commands against the test database, with `stdin` (a password, say) piped in. */
async function cli(db: TestDatabase, args: string[], stdin = ''): Promise<string> {
  const running = promisify(execFile)(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url },
  });
  running.child.stdin?.end(stdin);
  return (await running).stdout;
}

/**
 * The system as npm start runs it, after creating orders' service client with identity's CLI and passing
 * its credentials as ORDERS_CLIENT_ID / ORDERS_CLIENT_SECRET (what scripts/system.ts must do for npm start).
 */
export async function startOrdersSystem(env: Record<string, string>): Promise<{
  db: TestDatabase;
  system: RunningSystem;
  systemEnv: Record<string, string>;
  adminToken: string;
}> {
  const db = await createTestDatabase('e2e_orders');
  const { clientId, clientSecret } = JSON.parse(
    await cli(db, ['services/identity/src/cli/client-create.ts', '--name', 'orders']),
  );
  const adminEmail = `admin-${randomUUID()}@example.com`;
  await cli(db, ['services/identity/src/cli/admin-create.ts', '--email', adminEmail], `${PASSWORD}\n`);
  const systemEnv = {
    LOG_LEVEL: 'warn',
    ORDERS_CLIENT_ID: clientId,
    ORDERS_CLIENT_SECRET: clientSecret,
    ...env,
  };
  const system = await startSystem({
    databaseUrl: db.url,
    ports: 'random',
    output: 'ignore',
    env: systemEnv,
  });
  const login = await api(() => system.urls.gateway).call('POST', '/v1/auth/login', {
    body: { email: adminEmail, password: PASSWORD },
  });
  return { db, system, systemEnv, adminToken: login.body.accessToken };
}

export async function user(a: Api, name: string): Promise<{ token: string; id: string }> {
  const email = `${name}-${randomUUID()}@example.com`;
  await a.call('POST', '/v1/auth/register', { body: { email, password: PASSWORD, name } });
  const login = await a.call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  const me = await a.call('GET', '/v1/me', { token: login.body.accessToken });
  return { token: login.body.accessToken, id: me.body.id };
}

export async function account(a: Api, token: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await a.call('POST', '/v1/accounts', {
    token,
    key: randomUUID(),
    body: { currency: 'EUR', ...extra },
  });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${res.text}`);
  return res.body.id;
}

export async function fund(a: Api, admin: string, from: string, to: string, amount: number): Promise<void> {
  const res = await a.call('POST', '/v1/transfers', {
    token: admin,
    key: randomUUID(),
    body: { debitAccountId: from, creditAccountId: to, amount, currency: 'EUR' },
  });
  if (res.status !== 201) throw new Error(`fund: ${res.status} ${res.text}`);
}

export async function available(a: Api, token: string, accountId: string): Promise<number> {
  return (await a.call('GET', `/v1/accounts/${accountId}`, { token })).body.available;
}

/** Polls until `done` accepts the order, within POLL_TIMEOUT_MS (never a timing assertion). */
export async function waitForOrder(
  a: Api,
  token: string,
  id: string,
  done: (o: ReturnType<typeof JSON.parse>) => boolean = (o) => TERMINAL.includes(o.status),
): Promise<ReturnType<typeof JSON.parse>> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const res = await a.call('GET', `/v1/orders/${id}`, { token });
    if (res.status === 200 && done(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`order ${id} stayed ${res.body?.status}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Every order of the caller, through the paginated list (100 per page). */
export async function listAllOrders(a: Api, token: string): Promise<Array<ReturnType<typeof JSON.parse>>> {
  const all: Array<ReturnType<typeof JSON.parse>> = [];
  let cursor: string | null = null;
  do {
    const res = await a.call(
      'GET',
      `/v1/orders?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token },
    );
    if (res.status !== 200) throw new Error(`list orders: ${res.status} ${res.text}`);
    all.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return all;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
