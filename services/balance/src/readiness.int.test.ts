/**
 * What balance answers when its database cannot serve it: /ready is 503 while the database is down or
 * refuses the service's credentials, so an orchestrator takes the instance out of rotation, and a request
 * that finds every connection busy is shed with 503 and Retry-After rather than failing with a 500.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger, jwtVerifier } from '@strongbox/http';
import { fixedClock } from '@strongbox/kernel';
import { createPool, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { createLocalJWKSet } from 'jose';
import { type BalanceApp, buildApp, SERVICE } from './app.ts';
import { AUDIENCE, ISSUER, migrateBalance, type TestKeys, testKeys } from './test-support.ts';

let db: TestDatabase;
let keys: TestKeys;

before(async () => {
  db = await createTestDatabase('balance_ready');
  keys = await testKeys();
  await migrateBalance(db.pool(SERVICE));
});
after(async () => {
  await db?.drop();
});

/** Balance on `url` with a pool of `sizeMax` connections; `use` runs against it, then all is closed. */
async function withBalance(
  url: string,
  sizeMax: number,
  use: (balance: BalanceApp, pool: Pool) => Promise<void>,
): Promise<void> {
  const pool = createPool({ url, schema: SERVICE, sizeMax, onError: () => undefined });
  const balance = await buildApp({
    pool,
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    clock: fixedClock(new Date('2026-03-01T12:00:00Z')),
    verifier: jwtVerifier({
      keys: createLocalJWKSet({ keys: [keys.jwk] }),
      issuer: ISSUER,
      audience: AUDIENCE,
    }),
  });
  try {
    await balance.app.ready();
    await use(balance, pool);
  } finally {
    await balance.app.close();
    await pool.end();
  }
}

async function ready(balance: BalanceApp) {
  const res = await balance.app.inject({ method: 'GET', url: '/ready' });
  return { status: res.statusCode, body: res.json() };
}

describe('balance /ready and a busy database', () => {
  it('given a reachable database, then /ready answers 200 with the database check ok', async () => {
    await withBalance(db.url, 2, async (balance) => {
      const r = await ready(balance);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.checks.database, 'ok');
    });
  });

  it('given the database down (nothing listens on its port), then /ready answers 503 not_ready', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const u = new URL(db.url);
    u.port = String((server.address() as AddressInfo).port);
    await new Promise((r) => server.close(r));
    await withBalance(u.toString(), 2, async (balance) => {
      const r = await ready(balance);
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body.code, 'not_ready');
      assert.equal(r.body.detail, 'Not ready: database');
    });
  });

  it('given credentials the database refuses, then /ready answers 503 not_ready', async () => {
    // A role that does not exist is refused whatever the server's pg_hba.conf says.
    const u = new URL(db.url);
    u.username = `no_such_role_${process.pid}`;
    u.password = 'wrong';
    await withBalance(u.toString(), 2, async (balance) => {
      const r = await ready(balance);
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body.code, 'not_ready');
      assert.equal(r.body.detail, 'Not ready: database');
    });
  });

  it('given every connection busy past the pool’s connect timeout, then a write is shed with 503 and Retry-After', async () => {
    await withBalance(db.url, 1, async (balance, pool) => {
      const held = await pool.connect();
      try {
        const token = await keys.sign('cli_orders', ['service']);
        const res = await balance.app.inject({
          method: 'POST',
          url: '/v1/accounts',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
          payload: { ownerId: 'usr_busy', currency: 'EUR' },
        });
        assert.equal(res.statusCode, 503, res.body);
        assert.equal(res.json().code, 'service_busy');
        assert.equal(res.headers['retry-after'], '1');
      } finally {
        held.release();
      }
    });
  });
});
