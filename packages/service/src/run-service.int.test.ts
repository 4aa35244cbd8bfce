import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LISTENING_MESSAGE, PORT_IN_USE_MESSAGE } from '@strongbox/http/server';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';

const FIXTURE = new URL('./fixtures/kit-service.ts', import.meta.url).pathname;
/** Bounds of what the test waits for; none is a timing assertion. */
const START_TIMEOUT_MS = 30_000;
/** Production requires the gateway's forwarding secret (ADR 0021). */
const FORWARDING_SECRET = 'kit-fixture-forwarding-secret-of-32-characters';

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** `ipc: false` runs it as a container would, with no parent to report to. */
function startFixture(env: Record<string, string>, opts: { ipc: boolean } = { ipc: true }): Run {
  const child = spawn(process.execPath, [FIXTURE], {
    // Production: no .env file is read, whatever the working directory holds.
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => out.split('\n').filter((l) => l !== ''), stderr: () => err, exited };
}

function listening(run: Run): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening: ${run.stderr()}`)), START_TIMEOUT_MS);
    run.child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === LISTENING_MESSAGE && m.port) {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
    void run.exited.then((code) => reject(new Error(`exited with ${code}: ${run.stderr()}`)));
  });
}

let db: TestDatabase;
let held: { server: Server; port: number };
before(async () => {
  db = await createTestDatabase('kit');
  // Another program on a port: a plain TCP server that is not the service.
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((listening) => server.listen({ host: '127.0.0.1', port: 0 }, listening));
  held = { server, port: (server.address() as { port: number }).port };
});
after(async () => {
  await new Promise((closed) => held.server.close(closed));
  await db.drop();
});

describe('runService', () => {
  it('given a service that declares a database and events, when it starts and gets SIGTERM, then its parts run and stop in order', async () => {
    const run = startFixture({
      DATABASE_URL: db.url,
      KIT_PORT: '0',
      GATEWAY_FORWARDING_SECRET: FORWARDING_SECRET,
    });
    const port = await listening(run);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // The relay's and the consumer's metrics joined the registry buildApp returned.
    assert.match(metrics, /strongbox_outbox_oldest_unpublished_seconds\{schema="kitfixture"/);
    assert.match(metrics, /strongbox_consumer_lag_messages\{consumer="kitfixture"/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200);

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());
    assert.deepEqual(run.stdout(), ['worker started', 'app closed', 'worker stopped', 'closer ran']);
    // The service's own closer ran while the pool was still open.
    const pool = db.pool('kitfixture');
    const { rows } = await pool.query<{ what: string }>('select what from marks');
    assert.deepEqual(
      rows.map((r) => r.what),
      ['closer'],
    );
  });

  it('given no DATABASE_URL, when a service that declares a database starts, then it exits 1 with one line naming it', async () => {
    const run = startFixture({ KIT_PORT: '0' });
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /^kitfixture: [^\n]*DATABASE_URL[^\n]*\n$/);
    assert.deepEqual(run.stdout(), []);
  });

  it('given no GATEWAY_FORWARDING_SECRET in production, when a service starts, then it exits 1 with one line naming it', async () => {
    const run = startFixture({ DATABASE_URL: db.url, KIT_PORT: '0' });
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /^kitfixture: [^\n]*GATEWAY_FORWARDING_SECRET[^\n]*\n$/);
    assert.deepEqual(run.stdout(), []);
  });

  it('given its port held by another program and a parent on IPC, then it reports the port and exits 1 without a word on stderr', async () => {
    const run = startFixture({
      DATABASE_URL: db.url,
      GATEWAY_FORWARDING_SECRET: FORWARDING_SECRET,
      KIT_PORT: String(held.port),
    });
    const messages: unknown[] = [];
    run.child.on('message', (m) => messages.push(m));
    // 'close' comes once the IPC channel is drained, so every message sent before the exit has arrived.
    const closed = new Promise((done) => run.child.once('close', done));
    assert.equal(await run.exited, 1);
    await closed;
    assert.deepEqual(messages, [{ type: PORT_IN_USE_MESSAGE, port: held.port }]);
    // The parent (npm start) says it once, naming the variable to change.
    assert.equal(run.stderr(), '');
  });

  it('given its port held by another program and no parent, then it exits 1 with one line naming it and the port', async () => {
    const run = startFixture(
      { DATABASE_URL: db.url, GATEWAY_FORWARDING_SECRET: FORWARDING_SECRET, KIT_PORT: String(held.port) },
      { ipc: false },
    );
    assert.equal(await run.exited, 1);
    assert.equal(run.stderr(), `kitfixture: port ${held.port} is already in use by another program\n`);
  });
});
