import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { startLeaderLock } from './leader-lock.ts';
import type { Pool } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

const RETRY_MS = 50;
/** Generous for a loaded machine: a condition that never holds fails here, one that holds returns at once. */
const WAIT_TIMEOUT_MS = 30_000;

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('startLeaderLock', () => {
  let db: TestDatabase;
  let pool: Pool;
  before(async () => {
    db = await createTestDatabase('leader');
    pool = db.pool();
  });
  after(async () => await db.drop());

  /** A contender that records how many times it led and runs until it loses the lock. */
  function contender(key: string) {
    const state = { terms: 0, running: false, client: undefined as pg.Client | undefined, refused: 0 };
    const lock = startLeaderLock({
      pool,
      key,
      retryMs: RETRY_MS,
      onAttempt: (granted) => {
        if (!granted) state.refused++;
      },
      lead: async (client, lost) => {
        state.terms++;
        state.running = true;
        state.client = client;
        await new Promise<void>((resolve) => lost.addEventListener('abort', () => resolve(), { once: true }));
        state.running = false;
      },
    });
    return { lock, state };
  }

  it('given three contenders, then exactly one leads, on a connection that holds the lock', async () => {
    const all = [contender('job:a'), contender('job:a'), contender('job:a')];
    try {
      await until('a leader', () => all.some((c) => c.lock.leading));
      // The others have each asked again several times since, and were refused every time.
      const since = all.map((c) => c.state.refused);
      await until('each follower to be refused three more times', () =>
        all.every((c, i) => c.lock.leading || c.state.refused >= (since[i] ?? 0) + 3),
      );
      assert.equal(all.filter((c) => c.lock.leading).length, 1);
      const leader = all.find((c) => c.lock.leading) as (typeof all)[number];
      const { rows } = await pool.query<{ pid: number }>(
        "select pid from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())",
      );
      assert.deepEqual(
        rows.map((r) => r.pid),
        [leader.lock.backendPid],
      );
    } finally {
      await Promise.all(all.map((c) => c.lock.stop()));
    }
  });

  it('given the leader’s session dies, then another contender takes over and the old one stops leading', async () => {
    const all = [contender('job:b'), contender('job:b')];
    try {
      await until('a leader', () => all.some((c) => c.lock.leading));
      const first = all.find((c) => c.lock.leading) as (typeof all)[number];
      const second = all.find((c) => c !== first) as (typeof all)[number];
      await pool.query('select pg_terminate_backend($1, 5000)', [first.lock.backendPid]);
      await until('the other to lead', () => second.lock.leading);
      await until('the first to notice', () => !first.state.running);
      assert.equal(second.state.terms, 1);
    } finally {
      await Promise.all(all.map((c) => c.lock.stop()));
    }
  });

  it('given the leader stops, then it releases the lock at once and a follower leads', async () => {
    const a = contender('job:c');
    await until('a to lead', () => a.lock.leading);
    const b = contender('job:c');
    try {
      await until('b to be refused twice', () => b.state.refused >= 2);
      assert.equal(b.lock.leading, false);
      await a.lock.stop();
      assert.equal(a.state.running, false, 'lead() returned before stop() resolved');
      await until('b to lead', () => b.lock.leading);
    } finally {
      await b.lock.stop();
    }
  });

  it('given different keys, then each has its own leader', async () => {
    const x = contender('job:x');
    const y = contender('job:y');
    try {
      await until('both to lead', () => x.lock.leading && y.lock.leading);
    } finally {
      await Promise.all([x.lock.stop(), y.lock.stop()]);
    }
  });
});
