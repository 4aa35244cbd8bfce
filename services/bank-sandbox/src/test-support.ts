import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@strongbox/http';
import { fixedClock, type ManualClock } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp, MIGRATIONS, type SandboxDeps, SCHEMA, SERVICE, sandboxTick } from './app.ts';
import { DEFAULT_NOMINAL_ACCOUNT } from './config.ts';
import { createSim, type Sim } from './infra/sim.ts';

export const TOKEN = 'test-token';
export const SECRET = 'test-notification-secret';
export const NOMINAL = DEFAULT_NOMINAL_ACCOUNT;
/** Valid by their checksums: a person's INN, a company's INN, an account at T-Bank's BIK, a card. */
export const PERSON_INN = '500100732259';
export const COMPANY_INN = '7707083893';
export const BIK = '044525974';
export const ACCOUNT = '40817810000000000001';
export const CARD = '4111111111111111';
export const SCORING_DELAY_MS = 1_000;
export const PAYMENT_STEP_MS = 1_000;

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  /** The body's exact text, to check how amounts are written. */
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected field by field.
  readonly json: any;
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly sim: Sim;
  /** What buildApp was given, to drive the tick worker (parts.ts) on the same state. */
  readonly deps: SandboxDeps;
  /** The host clock under the sandbox's own; tests move time with sim.clock.advance. */
  readonly base: ManualClock;
  /** A call with the token; `body` as a string is sent as it is (to test exact numbers). */
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** A create: like call, with a fresh Idempotency-Key unless one is given. */
  create(url: string, body?: unknown, key?: string): Promise<Answer>;
  /** One round of the bank's time (scorings, payments, notifications). */
  tick(): Promise<{ progressed: number; delivered: number }>;
  /** Stops the app and starts a new one on the same database, as a process restart would (faults cleared). */
  restart(): Promise<Harness>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  readonly notificationUrl?: string;
  readonly secrets?: string[];
  readonly limits?: SandboxDeps['limits'];
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Harness> {
  const db = await createTestDatabase('sandbox');
  const pool = db.pool(SCHEMA);
  await migrate(pool, MIGRATIONS);
  return onDatabase(db, pool, fixedClock(new Date('2026-03-01T10:00:00Z')), opts);
}

async function onDatabase(
  db: TestDatabase,
  pool: Pool,
  base: ManualClock,
  opts: SandboxOptions,
): Promise<Harness> {
  const sim = createSim(base);
  const deps: SandboxDeps = {
    pool,
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    sim,
    token: TOKEN,
    settings: { nominalAccount: NOMINAL, scoringDelayMs: SCORING_DELAY_MS, paymentStepMs: PAYMENT_STEP_MS },
    limits: opts.limits ?? { defaultPerS: 1_000, selfEmployedPerS: 1_000 },
    notifications: { url: opts.notificationUrl, secrets: opts.secrets ?? [SECRET], retryBaseMs: 1_000 },
  };
  const app = await buildApp(deps);
  await app.ready();
  const call: Harness['call'] = async (method, url, body, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let json: unknown;
    try {
      json = res.body === '' ? undefined : JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text: res.body, json };
  };
  return {
    app,
    db,
    pool,
    sim,
    deps,
    base,
    call,
    create: (url, body, key = crypto.randomUUID()) =>
      call('POST', url, body ?? {}, { 'idempotency-key': key }),
    tick: sandboxTick(deps),
    restart: async () => {
      await app.close();
      // The sandbox's clock offset lives in the process; the host's time has moved on meanwhile.
      base.set(sim.clock.now());
      return onDatabase(db, pool, base, opts);
    },
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

export const API = '/api/v1/nominal-accounts';

/** A beneficiary whose scoring has passed, with money on its virtual account if `kopecks` is given. */
export async function scoredBeneficiary(
  h: Harness,
  body: object = { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Ivan', lastName: 'Petrov' },
): Promise<string> {
  const created = await h.create(`${API}/beneficiaries`, body);
  if (created.status !== 201) throw new Error(created.text);
  const id = created.json.beneficiaryId as string;
  await h.call('POST', `/_sim/beneficiaries/${id}/scoring`, { status: 'SUCCEEDED' });
  return id;
}

/** Puts `rubles` (as JSON text) on the beneficiary's virtual account: incoming money, then identify. */
export async function fund(h: Harness, beneficiaryId: string, rubles: string): Promise<void> {
  const incoming = await h.call('POST', '/_sim/incoming', `{"amount":${rubles},"purpose":"top-up"}`);
  if (incoming.status !== 201) throw new Error(incoming.text);
  const id = incoming.json.operationId as string;
  const r = await h.create(
    `${API}/incoming-transactions/${id}/identify`,
    `{"amountDistribution":[{"beneficiaryId":"${beneficiaryId}","amount":${rubles}}]}`,
  );
  if (r.status !== 200) throw new Error(r.text);
}

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local receiver of notifications; `answer` picks each reply's status (200 by default). */
export async function startReceiver(
  answer: (n: number) => number = () => 200,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answer(received.length);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/bank-notifications`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
