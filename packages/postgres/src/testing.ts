import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from './pool.ts';

/**
 * Each test file gets a database of its own on the test server (`TEST_DATABASE_URL`, which `npm test` sets
 * to the CI server or to a throwaway embedded one), so files run in parallel without seeing each other.
 */
export interface TestDatabase {
  readonly url: string;
  pool(schema?: string): Pool;
  drop(): Promise<void>;
}

export function testServerUrl(): string {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(server);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pools: Pool[] = [];
  return {
    url,
    pool(schema) {
      const p = createPool({ url, ...(schema ? { schema } : {}), sizeMax: 5, onError: () => undefined });
      pools.push(p);
      return p;
    },
    async drop() {
      await Promise.all(pools.map((p) => p.end()));
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
