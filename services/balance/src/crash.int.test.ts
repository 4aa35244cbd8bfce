import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@strongbox/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { type TestKeys, testKeys } from './test-support.ts';

/**
 * The real process (`node services/balance/src/main.ts`) killed with SIGKILL in the middle of load, then
 * started again: the audit passes, every transfer that was answered 2xx is there, and every request whose
 * outcome the kill left unknown resolves, on retry with its key, to exactly one outcome.
 */
const MAIN = resolve(import.meta.dirname, 'main.ts');
const ROOT = resolve(import.meta.dirname, '../../..');
const READY_TIMEOUT_MS = 20_000;
const ACCOUNTS = 10;
/** The kill comes after this many answers, while workers keep sending: the load is mid-flight. */
const ANSWERS_BEFORE_KILL = 150;
const WORKERS = 24;

let db: TestDatabase;
let jwks: Server;
let keys: TestKeys;
let env: Record<string, string>;
let base: string;
let child: ChildProcess | undefined;

function start(): ChildProcess {
  const c = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  c.stderr?.resume();
  return c;
}

async function ready(c: ChildProcess): Promise<void> {
  for (let i = 0; i < READY_TIMEOUT_MS / 100; i++) {
    if (c.exitCode !== null) throw new Error(`balance exited with ${c.exitCode}`);
    try {
      if ((await fetch(`${base}/ready`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('balance did not become ready');
}

async function stop(c: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((done) => {
    c.once('exit', () => done());
    c.kill(signal);
  });
}

before(async () => {
  db = await createTestDatabase('balance_crash');
  keys = await testKeys();
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.jwk] }));
  });
  const jwksPort = await freePort();
  await new Promise<void>((r) => jwks.listen(jwksPort, '127.0.0.1', r));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    PATH: process.env['PATH'] ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    BALANCE_PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    IDENTITY_JWKS_URL: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
    BALANCE_JOBS: 'false',
    // Production requires the gateway's forwarding secret (ADR 0021).
    GATEWAY_FORWARDING_SECRET: 'crash-test-forwarding-secret-of-32-characters',
  };
});
after(async () => {
  await stop(child, 'SIGKILL');
  await new Promise((r) => jwks.close(r));
  await db.drop();
});

describe('balance killed with SIGKILL under load', () => {
  it('given a restart, then the audit passes and every answered transfer is there, exactly once', async () => {
    const token = await keys.sign('cli_crash', ['service']);
    const call = async (method: string, path: string, body?: unknown, key?: string) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { 'idempotency-key': key } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, text: await res.text(), replayed: res.headers.get('idempotent-replayed') };
    };
    child = start();
    await ready(child);
    const open = async (allowNegative: boolean) =>
      JSON.parse((await call('POST', '/v1/accounts', { currency: 'EUR', allowNegative }, randomUUID())).text)
        .id;
    const funding = await open(true);
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) accounts.push(await open(false));
    for (const a of accounts) {
      const res = await call(
        'POST',
        '/v1/transfers',
        { debitAccountId: funding, creditAccountId: a, amount: 1_000, currency: 'EUR' },
        randomUUID(),
      );
      assert.equal(res.status, 201, res.text);
    }

    interface Sent {
      readonly key: string;
      readonly body: { debitAccountId: string; creditAccountId: string; amount: number; currency: string };
      outcome: { status: number; text: string } | 'unknown';
    }
    const sent: Sent[] = [];
    let answered = 0;
    let killed = false;
    const kill = async () => {
      if (killed) return;
      killed = true;
      await stop(child, 'SIGKILL');
    };
    const worker = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const from = accounts[(w + i) % ACCOUNTS] as string;
        const to = accounts[(w + 3 * i + 1) % ACCOUNTS] as string;
        if (from === to) continue;
        const s: Sent = {
          key: randomUUID(),
          body: {
            debitAccountId: from,
            creditAccountId: to,
            amount: 1 + ((w * 7 + i) % 40),
            currency: 'EUR',
          },
          outcome: 'unknown',
        };
        sent.push(s);
        try {
          const res = await call('POST', '/v1/transfers', s.body, s.key);
          s.outcome = { status: res.status, text: res.text };
          answered += 1;
          if (answered >= ANSWERS_BEFORE_KILL) await kill();
        } catch {
          // The connection died with the process: the outcome is unknown until retried.
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    assert.ok(
      sent.some((s) => s.outcome === 'unknown'),
      'some requests were cut off by the kill',
    );

    child = start();
    await ready(child);
    const opToken = await keys.sign('usr_op', ['operator']);
    const report = (await (
      await fetch(`${base}/v1/ledger/audit`, { headers: { authorization: `Bearer ${opToken}` } })
    ).json()) as { ok: boolean; checks: Array<{ ok: boolean }> };
    assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => !c.ok)));

    const expected = new Map<string, number>(accounts.map((a) => [a, 1_000]));
    for (const s of sent) {
      if (s.outcome !== 'unknown' && s.outcome.status === 201) {
        const id = JSON.parse(s.outcome.text).id;
        const got = await call('GET', `/v1/transfers/${id}`);
        assert.equal(got.status, 200, `answered transfer ${id} is missing after the restart`);
      }
      // Every request, answered or not, now has one outcome: its retry replays it or runs it once.
      const retry = await call('POST', '/v1/transfers', s.body, s.key);
      if (s.outcome !== 'unknown') {
        assert.deepEqual(
          [retry.status, retry.text, retry.replayed],
          [s.outcome.status, s.outcome.text, 'true'],
        );
      }
      if (retry.status === 201) {
        expected.set(s.body.debitAccountId, (expected.get(s.body.debitAccountId) ?? 0) - s.body.amount);
        expected.set(s.body.creditAccountId, (expected.get(s.body.creditAccountId) ?? 0) + s.body.amount);
      } else assert.equal(JSON.parse(retry.text).code, 'insufficient_funds', retry.text);
    }
    for (const [id, balance] of expected) {
      assert.equal(JSON.parse((await call('GET', `/v1/accounts/${id}`)).text).balance, balance, id);
    }
    await stop(child, 'SIGTERM');
  });
});
