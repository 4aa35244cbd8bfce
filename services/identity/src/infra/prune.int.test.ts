import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { schedulePeriodicJob, withTransaction } from '@strongbox/postgres';
import { type Harness, startIdentity } from '../test-support.ts';
import { pruneIdentity } from './prune.ts';

let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

describe('pruneIdentity', () => {
  it('given expired refresh tokens and stale login failures, when pruned, then only those rows go', async () => {
    const pool = h.db.pool('identity');
    const email = `prune-${Date.now()}@example.com`;
    const password = 'a long enough passphrase';
    await h.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password, name: 'P' } });
    const live = (
      await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })
    ).json();
    await pool.query(
      `insert into refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
       select 'rt_old', 'rtf_old', id, '\\x00', now() - interval '40 days', now() - interval '10 days' from users limit 1`,
    );
    await pool.query(
      `insert into login_failures (email_normalized, ip, at) values ('x@example.com', '10.9.9.9', now() - interval '1 hour')`,
    );
    await pool.query(
      `insert into login_failures (email_normalized, ip, at) values ('y@example.com', '10.9.9.9', now())`,
    );

    const removed = await withTransaction(pool, (tx) => pruneIdentity(tx, new Date()));

    assert.deepEqual(removed, { tokens: 1, failures: 1 });
    const refreshed = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: live.refreshToken },
    });
    assert.equal(refreshed.statusCode, 200, 'live tokens are kept');
    const left = await pool.query<{ n: number }>('select count(*)::int as n from login_failures');
    assert.equal(left.rows[0]?.n, 1);
  });

  it('given two instances, when the job runs on both at once, then one does the work', async () => {
    const pool = h.db.pool('identity');
    let runs = 0;
    let started: () => void = () => {};
    const inside = new Promise<void>((r) => {
      started = r;
    });
    let finish: () => void = () => {};
    const gate = new Promise<void>((r) => {
      finish = r;
    });
    // The first run holds the job's lock until the second instance has tried, whatever the machine's speed.
    const heldRun = async () => {
      runs += 1;
      started();
      await gate;
    };
    const job = (run: () => Promise<void>) =>
      schedulePeriodicJob({ name: 'prune-test', pattern: '0 0 1 1 *', pool, run, onError: () => {} });
    const a = job(heldRun);
    const b = job(async () => {
      runs += 1;
    });
    try {
      const first = a.runNow();
      await inside;
      assert.equal(await b.runNow(), false, 'the second instance finds the lock taken and does nothing');
      finish();
      assert.equal(await first, true);
      assert.equal(runs, 1);
    } finally {
      finish();
      a.stop();
      b.stop();
    }
  });
});
