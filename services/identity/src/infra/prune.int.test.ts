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
    const slowRun = async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 200));
    };
    const a = schedulePeriodicJob({
      name: 'prune-test',
      pattern: '0 0 1 1 *',
      pool,
      run: slowRun,
      onError: () => {},
    });
    const b = schedulePeriodicJob({
      name: 'prune-test',
      pattern: '0 0 1 1 *',
      pool,
      run: slowRun,
      onError: () => {},
    });
    const ran = await Promise.all([a.runNow(), b.runNow()]);
    a.stop();
    b.stop();
    assert.deepEqual(ran.sort(), [false, true]);
    assert.equal(runs, 1);
  });
});
