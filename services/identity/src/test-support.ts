import { createLogger, type ForwardingPolicy } from '@strongbox/http';
import { fixedClock, type ManualClock, newId, parseSecretsKeys, type SecretKeys } from '@strongbox/kernel';
import { migrate } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { normalizeEmail } from './domain/password-policy.ts';
import type { User } from './domain/user.ts';
import { insertClient } from './infra/clients.ts';
import { hashPassword } from './infra/passwords.ts';
import { upsertAdmin } from './infra/users.ts';

/** Cheap scrypt cost for tests only: the format and code path are the production ones. */
export const TEST_SCRYPT = { log2N: 10, r: 8, p: 1 } as const;
export const ISSUER = 'strongbox-identity';
export const AUDIENCE = 'strongbox';
/** The gateway's secret in tests: identity believes X-Forwarded-For only under its signature, as deployed. */
export const FORWARDING_SECRET = 'test-forwarding-secret-of-at-least-32-characters';

/** SECRETS_KEY in tests: the signing keys are sealed as deployed (ADR 0027). */
export const TEST_SECRETS = parseSecretsKeys(`test:${Buffer.alloc(32, 7).toString('base64')}`) as SecretKeys;

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly clock: ManualClock;
  /** Registers a service client, as the client CLI does. */
  serviceClient(clientId: string, secret: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real identity app on a fresh database of its own, migrated exactly as at start. The staff TOTP rule
 * is off unless a test is about it (`staffTotpRequired: true`), as STAFF_TOTP_REQUIRED=false would set.
 */
export async function startIdentity(
  opts: { forwarding?: ForwardingPolicy; staffTotpRequired?: boolean } = {},
): Promise<Harness> {
  const db = await createTestDatabase('identity');
  const pool = db.pool(SERVICE);
  await migrate(pool, MIGRATIONS);
  const clock = fixedClock(new Date());
  const { app } = await buildApp({
    pool,
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    clock,
    issuer: ISSUER,
    audience: AUDIENCE,
    scrypt: TEST_SCRYPT,
    staffTotpRequired: opts.staffTotpRequired ?? false,
    forwarding: opts.forwarding ?? { kind: 'gateway', secrets: [FORWARDING_SECRET] },
    secrets: TEST_SECRETS,
  });
  await app.ready();
  return {
    app,
    db,
    clock,
    async serviceClient(clientId, secret) {
      await insertClient(pool, {
        id: newId('cli', clock),
        clientId,
        name: clientId,
        secret,
        at: clock.now(),
      });
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/** An admin with this email and password, made the way `admin:create` makes one. */
export async function createAdmin(h: Harness, email: string, password: string): Promise<User> {
  return await upsertAdmin(h.db.pool(SERVICE), {
    id: `usr_admin-${normalizeEmail(email).replace(/[^a-z0-9]/g, '-')}`,
    email,
    emailNormalized: normalizeEmail(email),
    name: 'Admin',
    passwordHash: await hashPassword(password, TEST_SCRYPT),
    at: h.clock.now(),
  });
}

export const TEST_PASSWORD = 'correct horse battery';

/** Registers a customer with TEST_PASSWORD and answers their id. */
export async function register(h: Harness, email: string): Promise<string> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: TEST_PASSWORD, name: 'Someone' },
  });
  if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`);
  return res.json().id as string;
}

export const login = (h: Harness, email: string, extra: Record<string, string> = {}) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: TEST_PASSWORD, ...extra },
  });

export const postAs = (h: Harness, token: string, url: string, payload?: object) =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

/** The code an authenticator app would show now, by the harness's clock. */
export const codeNow = (h: Harness, secret: string): Promise<string> =>
  generate({ secret, epoch: Math.floor(h.clock.now().getTime() / 1000) });

/** A well-formed code that is valid for none of the steps the window accepts now. */
export async function wrongCode(h: Harness, secret: string): Promise<string> {
  const nowS = Math.floor(h.clock.now().getTime() / 1000);
  const valid = await Promise.all([-30, 0, 30].map((d) => generate({ secret, epoch: nowS + d })));
  for (let i = 0; ; i++) {
    const candidate = String(i).padStart(6, '0');
    if (!valid.includes(candidate)) return candidate;
  }
}

/**
 * Enrolls and confirms an authenticator for the signed-in user; answers the secret and recovery codes.
 * The clock moves one step on, so the confirming code is spent and a test's next code is a new one.
 */
export async function enrollTotp(
  h: Harness,
  token: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrolled = await postAs(h, token, '/v1/auth/totp/enroll');
  if (enrolled.statusCode !== 200) throw new Error(`enroll: ${enrolled.statusCode} ${enrolled.body}`);
  const secret = enrolled.json().secret as string;
  const confirmed = await postAs(h, token, '/v1/auth/totp/confirm', { code: await codeNow(h, secret) });
  if (confirmed.statusCode !== 200) throw new Error(`confirm: ${confirmed.statusCode} ${confirmed.body}`);
  h.clock.advance(30_000);
  return { secret, recoveryCodes: confirmed.json().recoveryCodes as string[] };
}

/** A service client made as `client:create` makes one, and its access token. */
export async function serviceToken(h: Harness, clientId: string): Promise<string> {
  const secret = `${clientId}-secret-for-tests-only-0123456789`;
  await insertClient(h.db.pool(SERVICE), {
    id: `cli_${clientId}`,
    clientId,
    name: clientId,
    secret,
    at: h.clock.now(),
  });
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grantType: 'client_credentials', clientId, clientSecret: secret },
  });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return res.json().accessToken as string;
}
