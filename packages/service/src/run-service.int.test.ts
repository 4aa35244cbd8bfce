import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { LISTENING_MESSAGE } from '@strongbox/http/server';
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

function startFixture(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [FIXTURE], {
    // Production: no .env file is read, whatever the working directory holds.
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
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
before(async () => {
  db = await createTestDatabase('kit');
});
after(async () => {
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
});
