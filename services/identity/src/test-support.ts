import { createLogger } from '@strongbox/http';
import { fixedClock, type ManualClock, newId } from '@strongbox/kernel';
import { migrate } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp, MIGRATIONS, SERVICE } from './app.ts';
import { insertClient } from './infra/clients.ts';
import { hashPassword } from './infra/passwords.ts';
import { upsertAdmin } from './infra/users.ts';

/** Cheap scrypt cost for tests only: the format and code path are the production ones. */
export const TEST_SCRYPT = { log2N: 10, r: 8, p: 1 } as const;
export const ISSUER = 'strongbox-identity';
export const AUDIENCE = 'strongbox';

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly clock: ManualClock;
  /** Makes `email` an admin with `password`, as the admin CLI does. */
  admin(email: string, password: string): Promise<void>;
  /** Registers a service client, as the client CLI does. */
  serviceClient(clientId: string, secret: string): Promise<void>;
  close(): Promise<void>;
}

/** A real identity app on a fresh database of its own, migrated exactly as at start. */
export async function startIdentity(): Promise<Harness> {
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
  });
  await app.ready();
  return {
    app,
    db,
    clock,
    async admin(email, password) {
      const at = clock.now();
      const passwordHash = await hashPassword(password, TEST_SCRYPT);
      const emailNormalized = email.trim().toLowerCase();
      await upsertAdmin(pool, {
        id: newId('usr', clock),
        email,
        emailNormalized,
        name: 'Admin',
        passwordHash,
        at,
      });
    },
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
