import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createPool, ping, STATEMENT_TIMEOUT_MS } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

const INT8_MAX = 9_223_372_036_854_775_807n;
const INT8_MIN = -9_223_372_036_854_775_808n;
const ABOVE_2_53 = 2n ** 53n + 1n;

describe('createPool', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('pool');
    const setup = db.pool();
    await setup.query('create schema ledger');
    await setup.query('create schema "MixedCase"');
    await setup.query('create table ledger.balances (id text primary key, amount_minor bigint)');
  });
  after(async () => await db.drop());

  describe('int8 columns', () => {
    it('given bigint values around and above 2^53, when stored and read back, then each is the exact bigint', async () => {
      const pool = db.pool('ledger');
      const values = [0n, 1n, -1n, ABOVE_2_53, -ABOVE_2_53, INT8_MAX, INT8_MIN];
      for (const [i, v] of values.entries()) {
        await pool.query('insert into balances (id, amount_minor) values ($1, $2)', [`b${i}`, v]);
      }
      const { rows } = await pool.query<{ amount_minor: bigint }>(
        "select amount_minor from balances where id like 'b%' order by id",
      );
      assert.deepEqual(
        rows.map((r) => r.amount_minor),
        values,
      );
      for (const r of rows) assert.equal(typeof r.amount_minor, 'bigint');
    });

    it('given int8 expressions, when selected, then count(*) and casts are bigint and NULL stays null', async () => {
      const pool = db.pool();
      const { rows } = await pool.query(
        'select 9007199254740993::int8 as big, count(*) as n, null::int8 as none, 7::int4 as small from (values (1), (2)) v(x)',
      );
      assert.deepEqual(rows[0], { big: 9_007_199_254_740_993n, n: 2n, none: null, small: 7 });
    });

    it('given a plain pg client sharing the same library, when it reads int8, then it still gets a string (the parser is per pool)', async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query('select 9007199254740993::int8 as big');
        assert.equal(rows[0].big, '9007199254740993');
      } finally {
        await client.end();
      }
    });
  });

  describe('session settings', () => {
    it('given a schema, when a connection is made, then the schema is first on the search_path', async () => {
      const pool = db.pool('ledger');
      const { rows } = await pool.query<{ schema: string; schemas: string[] }>(
        'select current_schema() as schema, current_schemas(false)::text[] as schemas',
      );
      assert.equal(rows[0]?.schema, 'ledger');
      assert.deepEqual(rows[0]?.schemas, ['ledger', 'public']);
      const { rows: balances } = await pool.query('select count(*) as n from balances');
      assert.equal(typeof balances[0].n, 'bigint', 'unqualified table names resolve in the schema');
    });

    it('given a schema name that needs quoting, when a connection is made, then it is used verbatim', async () => {
      // Upper case survives only if the identifier is quoted on the way in.
      const pool = createPool({ url: db.url, schema: 'MixedCase', onError: () => undefined });
      try {
        const { rows } = await pool.query('select current_schema() as schema');
        assert.equal(rows[0].schema, 'MixedCase');
      } finally {
        await pool.end();
      }
    });

    it('given no schema, when a connection is made, then the server default search_path applies', async () => {
      const { rows } = await db.pool().query('select current_schema() as schema');
      assert.equal(rows[0].schema, 'public');
    });

    it('given any pool, when a connection is made, then statement_timeout and UTC are set', async () => {
      const { rows } = await db
        .pool('ledger')
        .query<{ timeout: string; unit: string; tz: string }>(
          "select setting as timeout, unit, current_setting('TimeZone') as tz from pg_settings where name = 'statement_timeout'",
        );
      assert.deepEqual(rows[0], { timeout: String(STATEMENT_TIMEOUT_MS), unit: 'ms', tz: 'UTC' });
    });

    it('given a statement that runs past statement_timeout, when run, then the server cancels it (57014)', async () => {
      const pool = db.pool();
      const client = await pool.connect();
      try {
        // Lower the limit for this session only so the test does not wait 15 s; the default is checked above.
        await client.query("set statement_timeout = '50ms'");
        await assert.rejects(client.query('select pg_sleep(5)'), { code: '57014' });
      } finally {
        client.release(true);
      }
    });

    it('given an application name, when connected, then the server sees it; by default it is the schema', async () => {
      const named = createPool({ url: db.url, applicationName: 'ledger-worker', onError: () => undefined });
      try {
        const a = await named.query("select current_setting('application_name') as name");
        assert.equal(a.rows[0].name, 'ledger-worker');
      } finally {
        await named.end();
      }
      const b = await db.pool('ledger').query("select current_setting('application_name') as name");
      assert.equal(b.rows[0].name, 'ledger');
    });
  });

  it('given a reachable database, when pinged, then it resolves', async () => {
    await ping(db.pool());
  });

  describe('ping, the probe behind every /ready', () => {
    /** A pool on `url` that the test ends; its idle errors are expected here. */
    async function pinging(url: string): Promise<unknown> {
      const pool = createPool({ url, onError: () => undefined });
      try {
        await ping(pool);
        return undefined;
      } catch (err) {
        return err;
      } finally {
        await pool.end();
      }
    }

    it('given a port where nothing listens, when pinged, then it rejects', async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      await new Promise((r) => server.close(r));
      const u = new URL(db.url);
      u.port = String(port);
      const err = await pinging(u.toString());
      assert.equal((err as { code?: string } | undefined)?.code, 'ECONNREFUSED', String(err));
    });

    it('given a server that drops every connection, when pinged, then it rejects', async () => {
      const server = createServer((socket) => socket.destroy());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const u = new URL(db.url);
        u.port = String((server.address() as AddressInfo).port);
        assert.ok(await pinging(u.toString()), 'the ping failed');
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it('given credentials the server refuses, when pinged, then it rejects with the server’s auth error', async () => {
      // A role that does not exist is refused whatever pg_hba.conf says (even with trust, as on CI).
      const u = new URL(db.url);
      u.username = `no_such_role_${process.pid}`;
      u.password = 'wrong';
      const err = await pinging(u.toString());
      // 28000 invalid_authorization_specification, 28P01 invalid_password.
      assert.match(String((err as { code?: string } | undefined)?.code), /^28/, String(err));
    });

    it('given a database that does not exist, when pinged, then it rejects', async () => {
      const u = new URL(db.url);
      u.pathname = `/no_such_database_${process.pid}`;
      const err = await pinging(u.toString());
      assert.equal((err as { code?: string } | undefined)?.code, '3D000', String(err));
    });
  });
});
