import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, jwtVerifier } from '@strongbox/http';
import { fixedClock, type ManualClock, parseSecretsKeys, type SecretKeys } from '@strongbox/kernel';
import type { ConsumerSpec } from '@strongbox/messaging';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance } from 'fastify';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { buildApp, type DeliveryWorkerOverrides, MIGRATIONS, SERVICE } from './app.ts';
import { type AllowList, EMPTY_ALLOW_LIST, parseAllowList } from './infra/address-policy.ts';
import type { WebhookMetrics } from './infra/metrics.ts';
import type { Resolver } from './infra/target-check.ts';
import type { DeliveryWorker } from './worker/worker.ts';

export const ISSUER = 'iss-test';
export const AUDIENCE = 'aud-test';
/**
 * The delivery timeout of the tests' app: generous, so a local receiver on a loaded machine is never
 * taken for a timeout. The timeout test sets its own short one against a receiver that never answers.
 */
export const TEST_TIMEOUT_MS = 10_000;
export const LOOPBACK_ALLOWED: AllowList = parseAllowList('127.0.0.1/32') as AllowList;
/** SECRETS_KEY in tests: endpoint secrets are sealed as deployed (ADR 0027). */
export const TEST_SECRETS = parseSecretsKeys(`test:${Buffer.alloc(32, 9).toString('base64')}`) as SecretKeys;

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly clock: ManualClock;
  readonly metrics: WebhookMetrics;
  /** The app's event consumer, as runService starts it (the tests start it on a transport of their own). */
  readonly consumer: ConsumerSpec;
  /** An access token for `sub` with `roles` (default customer). */
  token(sub: string, roles?: readonly string[]): Promise<string>;
  /** A delivery worker over the same database; `allow` defaults to the app's allow-list. */
  worker(opts?: DeliveryWorkerOverrides): DeliveryWorker;
  close(): Promise<void>;
}

/**
 * A real webhooks app on a fresh database of its own, migrated exactly as at start, with tokens signed by
 * a local key. Loopback is allowed by default so deliveries can reach a local receiver.
 */
export async function startWebhooks(
  opts: {
    allow?: AllowList;
    resolve?: Resolver;
    secrets?: SecretKeys;
    /** Another instance of webhooks on that harness's database (closing it leaves the database). */
    beside?: Harness;
  } = {},
): Promise<Harness> {
  const db = opts.beside?.db ?? (await createTestDatabase('webhooks'));
  const pool = opts.beside?.pool ?? db.pool(SERVICE);
  if (!opts.beside) await migrate(pool, MIGRATIONS);
  const clock = fixedClock(new Date());
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
  const { app, metrics, deliveryWorker, consumers } = await buildApp({
    pool,
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    clock,
    verifier: jwtVerifier({ keys: createLocalJWKSet({ keys: [jwk] }), issuer: ISSUER, audience: AUDIENCE }),
    allow: opts.allow ?? LOOPBACK_ALLOWED,
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
    deliveryTimeoutMs: TEST_TIMEOUT_MS,
    secrets: opts.secrets ?? TEST_SECRETS,
  });
  await app.ready();
  let jti = 0;
  return {
    app,
    db,
    pool,
    clock,
    metrics,
    consumer: consumers![0]!,
    token: (sub, roles = ['customer']) =>
      new SignJWT({ roles })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(sub)
        .setJti(`jti-${++jti}`)
        .setIssuedAt()
        // Tokens are checked against the real time, whatever the test's fixed clock says.
        .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
        .sign(privateKey),
    worker: deliveryWorker,
    async close() {
      await app.close();
      if (!opts.beside) await db.drop();
    },
  };
}

/** A registration every route accepts: a loopback URL (allowed by default in tests) for balance events. */
export const VALID_ENDPOINT = { url: 'http://127.0.0.1:9/hook', eventTypes: ['balance.*'] };

/**
 * Requests as the endpoint route tests make them, on the harness that `harness()` answers once `before`
 * has started it: `create` registers with a fresh Idempotency-Key unless one is given (`null`: none).
 */
export function endpointRequests(harness: () => Harness) {
  let keys = 0;
  const key = () => `key-${++keys}`;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const create = (token: string, payload: unknown, idempotencyKey: string | null = key()) =>
    harness().app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: { ...auth(token), ...(idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey }) },
      payload: payload as object,
    });
  const get = (token: string, url: string) =>
    harness().app.inject({ method: 'GET', url, headers: auth(token) });
  return { key, auth, create, get };
}

export { EMPTY_ALLOW_LIST };

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** What the receiver does with the next request: answer with a status and body, or never answer. */
export type Behaviour = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Answers in this order, then repeats the last behaviour. */
  respond(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1 with a port of its own. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let script: Behaviour[] = [{ status: 204 }];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const next = (script.length > 1 ? script.shift() : script[0]) as Behaviour;
      if (next === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(next.status, next.headers ?? {});
      res.end(next.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (...behaviours) => {
      script = behaviours;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
