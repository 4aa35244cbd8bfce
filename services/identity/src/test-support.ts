import { createLogger, type ForwardingPolicy } from '@strongbox/http';
import { fixedClock, type ManualClock, newId } from '@strongbox/kernel';
import { migrate } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance } from 'fastify';
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

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly clock: ManualClock;
  /** Registers a service client, as the client CLI does. */
  serviceClient(clientId: string, secret: string): Promise<void>;
  close(): Promise<void>;
}

/** A real identity app on a fresh database of its own, migrated exactly as at start. */
export async function startIdentity(opts: { forwarding?: ForwardingPolicy } = {}): Promise<Harness> {
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
    forwarding: opts.forwarding ?? { kind: 'gateway', secrets: [FORWARDING_SECRET] },
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
