import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadMigrations, MigrationError, migrate } from './migrate.ts';
import type { Pool } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

const USERS = 'create table users (id text primary key);\n';
// Depends on 0001: applying out of order would fail.
const EMAIL = 'alter table users add column email text not null;\n';
const SESSIONS =
  'create table sessions (id text primary key, user_id text not null references users (id));\n';
const BAD = 'create table broken (id text primary key);\nselect * from no_such_table;\n';

/** A fresh migrations directory holding the given files. */
async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strongbox-migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

/** Everything that makes up a schema's shape: its tables and their columns. */
async function shape(pool: Pool, schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ t: string }>(
    `select table_name || '.' || column_name || ':' || data_type as t
       from information_schema.columns where table_schema = $1 order by 1`,
    [schema],
  );
  return rows.map((r) => r.t);
}

async function versions(pool: Pool, schema: string): Promise<number[]> {
  const { rows } = await pool.query<{ version: number }>(
    `select version from "${schema}".schema_migrations order by version`,
  );
  return rows.map((r) => r.version);
}

async function schemaExists(pool: Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query('select 1 from pg_namespace where nspname = $1', [schema]);
  return rows.length === 1;
}

/** Bounds the wait for other sessions to queue on a lock; each step sleeps LOCK_POLL_MS. */
const LOCK_POLL_STEPS_MAX = 500;
const LOCK_POLL_MS = 10;

async function untilAdvisoryWaiters(pool: Pool, count: number): Promise<void> {
  for (let step = 0; step < LOCK_POLL_STEPS_MAX; step++) {
    const { rows } = await pool.query<{ n: bigint }>(
      `select count(*) as n from pg_locks
        where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`,
    );
    if (rows[0]?.n === BigInt(count)) return;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  assert.fail(`${count} sessions never queued on the migration lock`);
}

describe('migrate', () => {
  let db: TestDatabase;
  let pool: Pool;
  const dirs: string[] = [];
  const dir = async (files: Record<string, string>) => {
    const d = await migrationsDir(files);
    dirs.push(d);
    return d;
  };
  before(async () => {
    db = await createTestDatabase('migrate');
    pool = db.pool();
  });
  after(async () => {
    await db.drop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('given pending files, when migrated, then they apply in numeric order and each version is recorded', async () => {
    // Written in reverse so directory order cannot be what puts them in sequence.
    const d = await dir({ '0003-sessions.sql': SESSIONS, '0002-email.sql': EMAIL, '0001-users.sql': USERS });
    const result = await migrate(pool, { schema: 'ordered', dir: d });
    assert.deepEqual(result.applied, ['0001-users.sql', '0002-email.sql', '0003-sessions.sql']);
    assert.deepEqual(await versions(pool, 'ordered'), [1, 2, 3]);
    const { rows } = await pool.query(
      'select name, checksum from ordered.schema_migrations order by version',
    );
    assert.equal(rows[0].name, '0001-users.sql');
    assert.match(rows[0].checksum, /^[0-9a-f]{64}$/);
    assert.ok((await shape(pool, 'ordered')).includes('users.email:text'));
  });

  it('given everything applied, when migrated again, then nothing is applied and nothing changes', async () => {
    const d = await dir({ '0001-users.sql': USERS, '0002-email.sql': EMAIL });
    await migrate(pool, { schema: 'again', dir: d });
    const before = await shape(pool, 'again');
    const second = await migrate(pool, { schema: 'again', dir: d });
    assert.deepEqual(second.applied, []);
    assert.deepEqual(await shape(pool, 'again'), before);
    assert.deepEqual(await versions(pool, 'again'), [1, 2]);
  });

  it('given a new file after earlier runs, when migrated, then only the new file is applied', async () => {
    const d = await dir({ '0001-users.sql': USERS });
    await migrate(pool, { schema: 'grow', dir: d });
    await writeFile(join(d, '0002-email.sql'), EMAIL);
    assert.deepEqual((await migrate(pool, { schema: 'grow', dir: d })).applied, ['0002-email.sql']);
  });

  it('given a failing third file, when migrated, then files 1-2 of the same run are rolled back too and the error names the file', async () => {
    const d = await dir({ '0001-users.sql': USERS });
    await migrate(pool, { schema: 'atomic', dir: d });
    const before = await shape(pool, 'atomic');
    await writeFile(join(d, '0002-email.sql'), EMAIL);
    await writeFile(join(d, '0003-sessions.sql'), SESSIONS);
    await writeFile(join(d, '0004-bad.sql'), BAD);

    await assert.rejects(migrate(pool, { schema: 'atomic', dir: d }), (err) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /0004-bad\.sql/);
      assert.match(err.message, /no_such_table/);
      assert.equal((err.cause as { code?: string }).code, '42P01');
      return true;
    });
    assert.deepEqual(await shape(pool, 'atomic'), before, 'the schema is exactly as before the run');
    assert.deepEqual(await versions(pool, 'atomic'), [1]);
  });

  it('given a failing file on a fresh schema, when migrated, then not even the schema is left behind', async () => {
    const d = await dir({ '0001-users.sql': USERS, '0002-email.sql': EMAIL, '0003-bad.sql': BAD });
    await assert.rejects(migrate(pool, { schema: 'fresh_fail', dir: d }), MigrationError);
    assert.equal(await schemaExists(pool, 'fresh_fail'), false);
  });

  it('given an applied file whose text changed, when migrated, then the run is refused and nothing else is applied', async () => {
    const d = await dir({ '0001-users.sql': USERS });
    await migrate(pool, { schema: 'tampered', dir: d });
    await writeFile(join(d, '0001-users.sql'), `${USERS}-- a harmless-looking comment\n`);
    await writeFile(join(d, '0002-email.sql'), EMAIL);
    await assert.rejects(migrate(pool, { schema: 'tampered', dir: d }), (err) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /0001-users\.sql was changed/);
      return true;
    });
    assert.deepEqual(await versions(pool, 'tampered'), [1]);
    assert.ok(!(await shape(pool, 'tampered')).includes('users.email:text'));
  });

  const badNames = [
    '1-users.sql',
    '001-users.sql',
    '0001_users.sql',
    '0001-Users.sql',
    'V1__users.sql',
    '0001-.sql',
  ];
  for (const name of badNames) {
    it(`given a file named ${name}, when migrated, then it is refused before anything runs`, async () => {
      const d = await dir({ '0001-users.sql': USERS, [name]: 'create table sneaky (id int);' });
      await assert.rejects(migrate(pool, { schema: 'badname', dir: d }), (err) => {
        assert.ok(err instanceof MigrationError);
        assert.ok(err.message.includes(name), err.message);
        return true;
      });
      assert.equal(await schemaExists(pool, 'badname'), false);
    });
  }

  it('given two files with one number, when loaded, then they are refused', async () => {
    const d = await dir({ '0001-users.sql': USERS, '0001-accounts.sql': 'create table accounts (id int);' });
    await assert.rejects(loadMigrations(d), /two migrations numbered 1/);
  });

  it('given files that are not .sql, when loaded, then they are ignored', async () => {
    const d = await dir({ '0001-users.sql': USERS, 'README.md': '# notes', '0002-draft.sql.bak': 'garbage' });
    assert.deepEqual(
      (await loadMigrations(d)).map((m) => m.name),
      ['0001-users.sql'],
    );
  });

  it('given two concurrent runs on one schema, when both finish, then each file was applied exactly once', async () => {
    // Plain CREATE TABLE and ALTER fail if run twice, so a double apply would reject one of the runs.
    const d = await dir({ '0001-users.sql': USERS, '0002-email.sql': EMAIL, '0003-sessions.sql': SESSIONS });
    // Hold the runner's lock so that both runs are certainly queued behind it before either starts.
    const holder = await pool.connect();
    let runs: Promise<[{ applied: string[] }, { applied: string[] }]>;
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(hashtext($1))', ['strongbox:migrate:race']);
      runs = Promise.all([
        migrate(db.pool(), { schema: 'race', dir: d }),
        migrate(db.pool(), { schema: 'race', dir: d }),
      ]);
      await untilAdvisoryWaiters(pool, 2);
    } finally {
      await holder.query('commit');
      holder.release();
    }
    const [a, b] = await runs;
    assert.deepEqual([...a.applied, ...b.applied].sort(), [
      '0001-users.sql',
      '0002-email.sql',
      '0003-sessions.sql',
    ]);
    assert.ok(a.applied.length === 0 || b.applied.length === 0, 'one run did all the work');
    assert.deepEqual(await versions(pool, 'race'), [1, 2, 3]);
  });

  it('given runs on two schemas at once, when both finish, then each schema gets its own copy', async () => {
    const d = await dir({ '0001-users.sql': USERS });
    const [a, b] = await Promise.all([
      migrate(pool, { schema: 'tenant_a', dir: d }),
      migrate(db.pool(), { schema: 'tenant_b', dir: d }),
    ]);
    assert.deepEqual(a.applied, ['0001-users.sql']);
    assert.deepEqual(b.applied, ['0001-users.sql']);
  });
});
