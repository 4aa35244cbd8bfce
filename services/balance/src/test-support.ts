import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger, jwtVerifier } from '@strongbox/http';
import { testKeys as sharedTestKeys, type TestKeys } from '@strongbox/http/testing';
import type { GroupCommitSettings } from '@strongbox/kernel';
import { fixedClock, type ManualClock } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { createLocalJWKSet } from 'jose';
import { type BalanceApp, buildApp, MIGRATIONS, SERVICE } from './app.ts';

export const ISSUER = 'strongbox-identity';
export const AUDIENCE = 'strongbox';

export async function migrateBalance(pool: Pool): Promise<void> {
  await migrate(pool, MIGRATIONS);
}

export type { TestKeys } from '@strongbox/http/testing';

/** Keys for identity's issuer and audience as the services expect them. */
export const testKeys = () => sharedTestKeys({ issuer: ISSUER, audience: AUDIENCE });

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected field by field.
  json(): any;
}

/** A caller with a token: requests go through the real HTTP stack in-process (Fastify's inject). */
export interface Caller {
  readonly sub: string;
  get(url: string): Promise<Answer>;
  /** POSTs with a fresh Idempotency-Key unless one is given (`null`: none). */
  post(url: string, body?: unknown, key?: string | null): Promise<Answer>;
}

export interface Harness {
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly clock: ManualClock;
  readonly balance: BalanceApp;
  readonly keys: TestKeys;
  caller(sub: string, roles: readonly string[]): Promise<Caller>;
  close(): Promise<void>;
}

export async function callerOf(balance: BalanceApp, keys: TestKeys, sub: string, roles: readonly string[]) {
  const token = await keys.sign(sub, roles);
  const auth = { authorization: `Bearer ${token}` };
  const answer = (res: { statusCode: number; headers: object; body: string }): Answer => ({
    status: res.statusCode,
    headers: res.headers as Answer['headers'],
    body: res.body,
    json: () => JSON.parse(res.body),
  });
  return {
    sub,
    get: async (url: string) => answer(await balance.app.inject({ method: 'GET', url, headers: auth })),
    post: async (url: string, body?: unknown, key: string | null = randomUUID()) =>
      answer(
        await balance.app.inject({
          method: 'POST',
          url,
          headers: { ...auth, ...(key === null ? {} : { 'idempotency-key': key }) },
          ...(body === undefined ? {} : { payload: body as object }),
        }),
      ),
  } satisfies Caller;
}

/** Another balance instance on the same database, as a second pod would be. */
export async function startInstance(
  db: TestDatabase,
  keys: TestKeys,
  clock: ManualClock,
  groupCommit?: Partial<GroupCommitSettings>,
): Promise<{ balance: BalanceApp; pool: Pool }> {
  const pool = db.pool(SERVICE);
  const balance = await buildApp({
    pool,
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    clock,
    verifier: jwtVerifier({
      keys: createLocalJWKSet({ keys: [keys.jwk] }),
      issuer: ISSUER,
      audience: AUDIENCE,
    }),
    ...(groupCommit ? { groupCommit } : {}),
  });
  await balance.app.ready();
  return { balance, pool };
}

/** A real balance app on a fresh database of its own, migrated exactly as at start. */
export async function startBalance(
  opts: { groupCommit?: Partial<GroupCommitSettings> } = {},
): Promise<Harness> {
  const db = await createTestDatabase('balance');
  const clock = fixedClock(new Date('2026-03-01T12:00:00Z'));
  const keys = await testKeys();
  const first = db.pool(SERVICE);
  await migrateBalance(first);
  const { balance, pool } = await startInstance(db, keys, clock, opts.groupCommit);
  return {
    db,
    pool,
    clock,
    balance,
    keys,
    caller: (sub, roles) => callerOf(balance, keys, sub, roles),
    async close() {
      await balance.app.close();
      await db.drop();
    },
  };
}

/** Opens an account for `owner` through the API (as a service, so any owner and allowNegative work). */
export async function openAccount(
  service: Caller,
  owner: string,
  opts: { currency?: string; allowNegative?: boolean; name?: string } = {},
): Promise<string> {
  const res = await service.post('/v1/accounts', {
    ownerId: owner,
    currency: opts.currency ?? 'EUR',
    ...(opts.allowNegative ? { allowNegative: true } : {}),
    ...(opts.name ? { name: opts.name } : {}),
  });
  assert.equal(res.status, 201, res.body);
  return res.json().id;
}

/** Moves money as a service (which may debit any account). */
export async function transfer(
  service: Caller,
  from: string,
  to: string,
  amount: number,
  extra: Record<string, unknown> = {},
): Promise<Answer> {
  return service.post('/v1/transfers', {
    debitAccountId: from,
    creditAccountId: to,
    amount,
    currency: 'EUR',
    ...extra,
  });
}

/** A harness with the callers most route tests use: a service, a customer, and a funding account. */
export interface FundedHarness {
  readonly h: Harness;
  /** cli_orders, a service: may open accounts for anyone and debit any account. */
  readonly service: Caller;
  /** usr_alice, a customer. */
  readonly alice: Caller;
  /** The service's account that may go negative, where test money comes from. */
  readonly funding: string;
}

export async function startFunded(): Promise<FundedHarness> {
  const h = await startBalance();
  const service = await h.caller('cli_orders', ['service']);
  const alice = await h.caller('usr_alice', ['customer']);
  const funding = await openAccount(service, 'cli_orders', { allowNegative: true, name: 'funding' });
  return { h, service, alice, funding };
}

/** Opens an account for `owner` and moves `amount` into it from `funding`. */
export async function fundedAccount(
  service: Caller,
  funding: string,
  owner: string,
  amount: number,
): Promise<string> {
  const id = await openAccount(service, owner);
  assert.equal((await transfer(service, funding, id, amount)).status, 201);
  return id;
}
