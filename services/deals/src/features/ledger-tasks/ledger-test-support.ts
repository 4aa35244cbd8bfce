/**
 * The ledger worker's integration harness: deals' own code against real PostgreSQL and a real balance.
 *
 * Balance runs as its own process (`services/balance/src/main.ts`, as in production), on one test database
 * where each test gets a fresh deals schema migrated exactly as at start. It is not imported: services
 * never import each other's code (ADR 0003), so deals reaches it over HTTP only, with deals' own balance
 * client. Identity's part is played by a local signing key whose public half balance fetches from a JWKS
 * endpoint served here (as orders' saga harness does).
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { testKeys } from '@strongbox/http/testing';
import { startServiceProcess, stopServiceProcess } from '@strongbox/http/testing-process';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { balanceClient, DEALS_MIGRATIONS, type DealsBalanceClient } from '../../wiring.ts';

const ROOT = resolve(import.meta.dirname, '../../../../..');
const BALANCE_MAIN = resolve(ROOT, 'services/balance/src/main.ts');
/** The deals service client, as identity names it (role `service`). */
export const DEALS_CLIENT = 'cli_deals';

export interface BalanceApi {
  // biome-ignore lint/suspicious/noExplicitAny: balance's answers are inspected field by field.
  get(path: string): Promise<{ status: number; body: any }>;
}

export interface LedgerHarness {
  readonly db: TestDatabase;
  /** Balance as deals' service client sees it, through deals' own client. */
  readonly client: DealsBalanceClient;
  /** Balance read as the deals service client. */
  readonly service: BalanceApi;
  /** Balance read as an operator with TOTP enrolled (the audit is for staff). */
  readonly operator: BalanceApi;
  /** A fresh deals schema, migrated as deals does at start, and a pool on it. */
  dealsSchema(): Promise<Pool>;
  /** The account's balance in minor units. */
  balanceOf(accountId: string): Promise<number>;
  stopBalance(): Promise<void>;
  startBalance(): Promise<void>;
  close(): Promise<void>;
}

function api(url: () => string, token: string): BalanceApi {
  return {
    async get(path) {
      const res = await fetch(`${url()}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

export async function startLedgerHarness(): Promise<LedgerHarness> {
  const db = await createTestDatabase('deals_ledger');
  const keys = await testKeys({ issuer: 'strongbox-identity', audience: 'strongbox' });
  const jwks: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const address = jwks.address();
  if (typeof address !== 'object' || !address) throw new Error('the JWKS server has no port');
  const env = {
    PATH: process.env['PATH'] ?? '',
    NODE_ENV: 'production',
    GATEWAY_FORWARDING_SECRET: 'ledger-test-forwarding-secret-of-32-characters',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '4',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    IDENTITY_JWKS_URL: `http://127.0.0.1:${address.port}/.well-known/jwks.json`,
    BALANCE_JOBS: 'false',
  };
  let child: ChildProcess | undefined;
  let port = 0;
  const startBalance = async () => {
    // A restart binds the same port again: deals holds balance's URL in its configuration.
    const p = await startServiceProcess(BALANCE_MAIN, {
      cwd: ROOT,
      env: { ...env, BALANCE_PORT: String(port) },
    });
    child = p.child;
    port = p.port;
  };
  const stopBalance = () => stopServiceProcess(child, 'SIGTERM');
  const close = async () => {
    await stopBalance();
    await new Promise((r) => jwks.close(r));
    await db.drop();
  };
  try {
    await startBalance();
  } catch (err) {
    await close();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const serviceToken = await keys.sign(DEALS_CLIENT, ['service']);
  const client = balanceClient({
    baseUrl: url,
    tokens: { get: async () => serviceToken, invalidate: () => undefined },
  });
  const service = api(() => url, serviceToken);
  let schemas = 0;
  return {
    db,
    client,
    service,
    operator: api(() => url, await keys.sign('usr_op', ['operator'], { totp: true })),
    async dealsSchema() {
      const schema = `deals_${++schemas}`;
      const pool = db.pool(schema);
      await migrate(pool, { ...DEALS_MIGRATIONS, schema });
      return pool;
    },
    async balanceOf(accountId) {
      const a = await service.get(`/v1/accounts/${accountId}`);
      if (a.status !== 200) throw new Error(`reading ${accountId}: ${a.status} ${JSON.stringify(a.body)}`);
      return a.body.balance;
    },
    stopBalance,
    startBalance,
    async close() {
      await client.close();
      await close();
    },
  };
}
