import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServiceProcess, stopServiceProcess } from '@strongbox/http/testing-process';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { type TestKeys, testKeys } from './test-support.ts';

/**
 * The real process (`node services/balance/src/main.ts`) killed with SIGKILL in the middle of load, then
 * started again: the audit passes, every transfer that was answered 2xx is there, and every request whose
 * outcome the kill left unknown resolves, on retry with its key, to exactly one outcome.
 *
 * Each start is on port 0 and the test follows the port the process reports, so no port is chosen up front
 * for another process to take. Nothing here is timed: the kill comes after a number of answers, and every
 * wait is for a condition.
 */
const MAIN = resolve(import.meta.dirname, 'main.ts');
const ROOT = resolve(import.meta.dirname, '../../..');
const ACCOUNTS = 10;
/** The kill comes after this many answers, while workers keep sending: the load is mid-flight. */
const ANSWERS_BEFORE_KILL = 150;
const WORKERS = 24;
/** Tries of a request balance sheds under load (503 with Retry-After), as a well-behaved client makes. */
const SHED_RETRIES_MAX = 20;
/**
 * The test's own bound: two starts (each bounded by the helper's 60 s), the load and one retry per request
 * sent; on a loaded machine that is well past the runner's default of two minutes.
 */
const TEST_TIMEOUT_MS = 300_000;

let db: TestDatabase;
let jwks: Server;
let keys: TestKeys;
let env: Record<string, string>;
let base: string;
let child: ChildProcess | undefined;

/** Starts balance on a port of its own and points the test's calls at it. */
async function start(): Promise<void> {
  const p = await startServiceProcess(MAIN, { cwd: ROOT, env });
  child = p.child;
  base = p.url;
}

before(async () => {
  db = await createTestDatabase('balance_crash');
  keys = await testKeys();
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const jwksAddress = jwks.address();
  if (typeof jwksAddress !== 'object' || !jwksAddress) throw new Error('the JWKS server has no port');
  env = {
    PATH: process.env['PATH'] ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    BALANCE_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    IDENTITY_JWKS_URL: `http://127.0.0.1:${jwksAddress.port}/.well-known/jwks.json`,
    BALANCE_JOBS: 'false',
    // Production requires the gateway's forwarding secret (ADR 0021).
    GATEWAY_FORWARDING_SECRET: 'crash-test-forwarding-secret-of-32-characters',
  };
});
after(async () => {
  await stopServiceProcess(child, 'SIGKILL');
  await new Promise((r) => jwks.close(r));
  await db.drop();
});

describe('balance killed with SIGKILL under load', () => {
  it('given a restart, then the audit passes and every answered transfer is there, exactly once', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const token = await keys.sign('cli_crash', ['service']);
    const once = async (method: string, path: string, body?: unknown, key?: string) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { 'idempotency-key': key } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return {
        status: res.status,
        text: await res.text(),
        replayed: res.headers.get('idempotent-replayed'),
        retryAfterS: Number(res.headers.get('retry-after')),
      };
    };
    // A request shed under load (503 with Retry-After) has no outcome yet: a client sends it again, with
    // its key, after the time it was told. Only the final answer is an outcome the test holds balance to.
    const call = async (method: string, path: string, body?: unknown, key?: string) => {
      for (let attempt = 1; ; attempt++) {
        const res = await once(method, path, body, key);
        if (res.status !== 503 || !res.retryAfterS || attempt >= SHED_RETRIES_MAX) return res;
        await new Promise((r) => setTimeout(r, res.retryAfterS * 1_000));
      }
    };
    await start();
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
      await stopServiceProcess(child, 'SIGKILL');
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
          // Still shed after every try: like a cut-off request, its outcome is settled by the retry below.
          if (res.status !== 503) s.outcome = { status: res.status, text: res.text };
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

    await start();
    // A production balance counts staff roles only for a user with TOTP enrolled (ADR 0026).
    const opToken = await keys.sign('usr_op', ['operator'], { totp: true });
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
    await stopServiceProcess(child, 'SIGTERM');
  });
});
