import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dataDirOf } from '@strongbox/postgres/embedded-root';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

describe('npm start where the embedded PostgreSQL cannot start', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp('/tmp/strongbox-start-');
    await chmod(root, 0o755);
  });
  after(async () => await rm(root, { recursive: true, force: true }));

  it('given a data directory the server refuses, then it stops with one line that says why and what to do', async () => {
    const home = join(root, 'home');
    const dataDir = await dataDirOf(home);
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'PG_VERSION'), '99\n');
    await writeFile(join(home, 'pg.json'), JSON.stringify({ port: 1, password: 'x', ownerPid: 1 }));
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', STRONGBOX_HOME: home };
    const outcome = await run(process.execPath, ['scripts/start.ts'], { cwd: ROOT, env }).then(
      () => assert.fail('npm start started on a broken data directory'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(outcome.code, 1);
    const lines = outcome.stderr.trim().split('\n');
    assert.equal(lines.length, 1, outcome.stderr);
    assert.match(
      lines[0] ?? '',
      /^strongbox: the embedded PostgreSQL could not start: postgres: .+; set DATABASE_URL to a PostgreSQL server/,
    );
  });
});

/**
 * Another program that holds a port and answers every connection with an HTTP 200, as a stray dev server
 * would: polling /ready on the port alone would take it for the service.
 */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
  });
  await new Promise<void>((listening) => server.listen({ host: '127.0.0.1', port: 0 }, listening));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { server, port: address.port };
}

describe('npm start where another program holds a service port', () => {
  let db: TestDatabase;
  let occupied: { server: Server; port: number };
  before(async () => {
    db = await createTestDatabase('start');
    occupied = await occupyPort();
  });
  after(async () => {
    await new Promise((closed) => occupied.server.close(closed));
    await db.drop();
  });

  it("given balance's port answered by another program, then it stops with one line naming balance and the port, and never says ready", async () => {
    // Identity (started first) takes a free port; balance is given the held one. No AMQP_URL: events go
    // through this test's own database, so nothing touches a broker other tests share.
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      DATABASE_URL: db.url,
      IDENTITY_PORT: '0',
      BALANCE_PORT: String(occupied.port),
      LOG_LEVEL: 'silent',
    };
    const outcome = await run(process.execPath, ['scripts/start.ts'], { cwd: ROOT, env }).then(
      (ok) => assert.fail(`npm start started beside another program on its port:\n${ok.stdout}`),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    assert.equal(outcome.code, 1);
    assert.doesNotMatch(outcome.stdout, /ready/);
    assert.deepEqual(outcome.stderr.trim().split('\n'), [
      `strongbox: port ${occupied.port} (balance) is already in use by another program; set BALANCE_PORT to another port`,
    ]);
  });
});
