import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { requestHash } from '@strongbox/kernel';
import { recordIdempotent } from '@strongbox/postgres/idempotency';
import type { BalanceApp } from './app.ts';
import { lockKeys } from './infra/ledger-sql.ts';
import {
  type Caller,
  callerOf,
  type Harness,
  openAccount,
  startBalance,
  startInstance,
  transfer,
} from './test-support.ts';

/** Bound of a wait for a condition on a loaded machine; never a timing assertion. */
const BLOCKED_WAIT_MS = 30_000;

/** Two balance instances on one database, as two pods behind the gateway would be. */
let h: Harness;
let second: BalanceApp;
let viaA: Caller;
let viaB: Caller;

before(async () => {
  h = await startBalance();
  second = (await startInstance(h.db, h.keys, h.clock)).balance;
  viaA = await h.caller('cli_orders', ['service']);
  viaB = await callerOf(second, h.keys, 'cli_orders', ['service']);
});
after(async () => {
  await second.app.close();
  await h.close();
});

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s % n;
  };
}

describe('two instances on one database', () => {
  it('given concurrent load through both, then every invariant holds and each answer is reflected exactly', async () => {
    const funding = await openAccount(viaA, 'cli_orders', { allowNegative: true });
    const accounts: string[] = [];
    for (let i = 0; i < 6; i++) accounts.push(await openAccount(i % 2 ? viaA : viaB, `usr_${i}`));
    const expected = new Map<string, number>(accounts.map((a) => [a, 200]));
    expected.set(funding, -200 * accounts.length);
    for (const a of accounts) assert.equal((await transfer(viaA, funding, a, 200)).status, 201);

    const next = random(42);
    const hot = accounts[0] as string;
    const jobs = Array.from({ length: 300 }, (_, i) => {
      const from = accounts[next(accounts.length)] as string;
      // A third of the transfers credit one hot account, so both instances contend for its row.
      const to = i % 3 === 0 && from !== hot ? hot : (accounts.filter((a) => a !== from)[next(5)] as string);
      const amount = 1 + next(60);
      return { from, to, amount, via: i % 2 ? viaA : viaB };
    });
    const answers = await Promise.all(jobs.map((j) => transfer(j.via, j.from, j.to, j.amount)));
    answers.forEach((res, i) => {
      const j = jobs[i] as (typeof jobs)[number];
      if (res.status === 201) {
        expected.set(j.from, (expected.get(j.from) ?? 0) - j.amount);
        expected.set(j.to, (expected.get(j.to) ?? 0) + j.amount);
      } else assert.equal(res.json().code, 'insufficient_funds', res.body);
    });
    assert.ok(answers.some((a) => a.status === 201) && answers.some((a) => a.status === 422));
    for (const [id, balance] of expected) {
      assert.equal((await viaB.get(`/v1/accounts/${id}`)).json().balance, balance, id);
    }
    const op = await callerOf(second, h.keys, 'usr_op', ['operator']);
    const audit = (await op.get('/v1/ledger/audit')).json();
    assert.equal(audit.ok, true, JSON.stringify(audit.checks.filter((c: { ok: boolean }) => !c.ok)));
  });

  it('given one key sent to both instances at once, then it executes once and every answer is the same', async () => {
    const from = await openAccount(viaA, 'usr_x', { allowNegative: true });
    const to = await openAccount(viaA, 'usr_y');
    for (let round = 0; round < 10; round++) {
      const key = randomUUID();
      const body = { debitAccountId: from, creditAccountId: to, amount: 3, currency: 'EUR' };
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? viaA : viaB).post('/v1/transfers', body, key)),
      );
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
      assert.equal(new Set(answers.map((a) => a.body)).size, 1);
    }
    assert.equal((await viaA.get(`/v1/accounts/${to}`)).json().balance, 30);
  });

  /** Waits until some session is blocked on a lock held by backend `pid`. */
  async function blockedBy(pid: number | undefined): Promise<void> {
    const deadline = Date.now() + BLOCKED_WAIT_MS;
    for (;;) {
      const { rows } = await h.pool.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
        [pid],
      );
      if ((rows[0]?.n ?? 0) > 0) return;
      if (Date.now() > deadline) assert.fail(`nothing blocked on backend ${pid}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('given another instance still committing a key, then a batch waits for it and replays it', async () => {
    const from = await openAccount(viaA, 'usr_x', { allowNegative: true });
    const to = await openAccount(viaA, 'usr_y');
    const key = randomUUID();
    const body = { debitAccountId: from, creditAccountId: to, amount: 4, currency: 'EUR' };
    const theirs = { status: 201, body: '{"id":"tr_from_the_other_instance"}' };
    // The other instance's transaction: it holds the key's lock (ADR 0037), has written the key and not yet
    // committed.
    const other = await h.pool.connect();
    try {
      await other.query('begin');
      await lockKeys(other, [{ scope: 'cli_orders', key }]);
      const lost = await recordIdempotent(
        other,
        [
          {
            scope: 'cli_orders',
            key,
            requestHash: requestHash('POST', '/v1/transfers', body),
            response: theirs,
          },
        ],
        { at: h.clock.now() },
      );
      assert.deepEqual(lost, []);
      const otherPid = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      const ours = viaA.post('/v1/transfers', body, key);
      // Commit only once ours is blocked on the other's key, so this test always takes the path it names
      // (wait, then replay); it must then answer the other's result and move nothing.
      await blockedBy(otherPid);
      await other.query('commit');
      const res = await ours;
      assert.deepEqual(
        [res.status, res.body, res.headers['idempotent-replayed']],
        [201, theirs.body, 'true'],
      );
    } finally {
      other.release();
    }
    assert.equal((await viaA.get(`/v1/accounts/${to}`)).json().balance, 0);
  });
});
