import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { type IdempotentRequest, refId, requestHash } from '@strongbox/kernel';
import {
  abandonIdempotent,
  claimIdempotent,
  completeIdempotent,
  deleteExpiredIdempotent,
  findIdempotent,
  IDEMPOTENCY_TTL_MS,
  recordIdempotent,
  waitForIdempotent,
} from './idempotency.ts';
import { migrate, POSTGRES_MODULES } from './migrate.ts';
import type { Pool } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';
import { withTransaction } from './tx.ts';

let db: TestDatabase;
let pool: Pool;
const t0 = new Date('2026-01-01T00:00:00Z');
let n = 0;
const req = (body: unknown = { amount: 1 }, scope = 'usr_1'): IdempotentRequest => {
  n += 1;
  return { scope, key: `key-${n}`, requestHash: requestHash('POST', '/v1/things', body) };
};
const response = { status: 201, body: '{"id":"thing_1",  "amount":1}' };

before(async () => {
  db = await createTestDatabase('idem');
  pool = db.pool('svc');
  await migrate(pool, {
    schema: 'svc',
    dir: await mkdtemp(`${tmpdir()}/svc-`),
    modules: [POSTGRES_MODULES.idempotency],
  });
});
after(async () => {
  await db.drop();
});

describe('in-transaction mode', () => {
  it('given a recorded answer, then the same request replays it byte for byte and another is a mismatch', async () => {
    const r = req();
    assert.deepEqual(
      await withTransaction(pool, (tx) => recordIdempotent(tx, [{ ...r, response }], { at: t0 })),
      [],
    );
    const same = (await findIdempotent(pool, [r], t0)).get(refId(r));
    assert.deepEqual(same, { kind: 'replay', response });
    const other = { ...r, requestHash: requestHash('POST', '/v1/things', { amount: 2 }) };
    assert.deepEqual((await findIdempotent(pool, [other], t0)).get(refId(other)), { kind: 'mismatch' });
    const otherCaller = { ...r, scope: 'usr_2' };
    assert.deepEqual((await findIdempotent(pool, [otherCaller], t0)).get(refId(otherCaller)), {
      kind: 'absent',
    });
  });

  it('given a rolled-back transaction, then its key was never recorded', async () => {
    const r = req();
    await assert.rejects(
      withTransaction(pool, async (tx) => {
        await recordIdempotent(tx, [{ ...r, response }], { at: t0 });
        throw new Error('the work failed');
      }),
    );
    assert.deepEqual((await findIdempotent(pool, [r], t0)).get(refId(r)), { kind: 'absent' });
  });

  it('given two transactions recording one key, then the second waits for the first and reports it lost', async () => {
    const r = req();
    const first = await pool.connect();
    try {
      await first.query('begin');
      assert.deepEqual(await recordIdempotent(first, [{ ...r, response }], { at: t0 }), []);
      const second = withTransaction(pool, (tx) =>
        recordIdempotent(tx, [{ ...r, response: { status: 500, body: '{}' } }], { at: t0 }),
      );
      await first.query('commit');
      assert.deepEqual(await second, [{ scope: r.scope, key: r.key }]);
    } finally {
      first.release();
    }
    assert.deepEqual((await findIdempotent(pool, [r], t0)).get(refId(r)), { kind: 'replay', response });
  });

  it('given a key past its 24 hours, then it is absent, may be recorded again, and is cleaned up', async () => {
    const r = req();
    await recordIdempotent(pool, [{ ...r, response }], { at: t0 });
    const later = new Date(t0.getTime() + IDEMPOTENCY_TTL_MS);
    assert.deepEqual((await findIdempotent(pool, [r], later)).get(refId(r)), { kind: 'absent' });
    const stale = req();
    await recordIdempotent(pool, [{ ...stale, response }], { at: t0 });
    const again = { status: 200, body: '{"again":true}' };
    assert.deepEqual(await recordIdempotent(pool, [{ ...r, response: again }], { at: later }), []);
    assert.deepEqual((await findIdempotent(pool, [r], later)).get(refId(r)), {
      kind: 'replay',
      response: again,
    });
    assert.ok((await deleteExpiredIdempotent(pool, later, 1_000)) >= 1);
    assert.deepEqual((await findIdempotent(pool, [stale], t0)).get(refId(stale)), { kind: 'absent' });
    assert.deepEqual((await findIdempotent(pool, [r], later)).get(refId(r)), {
      kind: 'replay',
      response: again,
    });
  });
});

describe('retention', () => {
  // Brief §4 documents "at least 24 hours"; the literal here is that promise, so a shorter constant fails.
  const DAY_MS = 86_400_000;

  it('given a recorded key, then it is kept exactly 24 hours and only then cleaned up', async () => {
    assert.equal(IDEMPOTENCY_TTL_MS, DAY_MS);
    const r = req();
    await recordIdempotent(pool, [{ ...r, response }], { at: t0 });
    const lastMs = new Date(t0.getTime() + DAY_MS - 1);
    const dayLater = new Date(t0.getTime() + DAY_MS);
    assert.deepEqual((await findIdempotent(pool, [r], lastMs)).get(refId(r)), { kind: 'replay', response });
    await deleteExpiredIdempotent(pool, lastMs);
    assert.deepEqual((await findIdempotent(pool, [r], lastMs)).get(refId(r)), { kind: 'replay', response });
    assert.deepEqual((await findIdempotent(pool, [r], dayLater)).get(refId(r)), { kind: 'absent' });
  });

  it('given a claimed key, then it is kept 24 hours too', async () => {
    const r = req();
    const claim = await claimIdempotent(pool, r, { at: t0, leaseMs: 1_000 });
    assert.equal(claim.kind, 'claimed');
    const { rows } = await pool.query<{ expires_at: Date }>(
      'select expires_at from idempotency_keys where scope = $1 and key = $2',
      [r.scope, r.key],
    );
    assert.equal(rows[0]?.expires_at.getTime(), t0.getTime() + DAY_MS);
  });
});

describe('lease mode', () => {
  it('given a claimed key, then a twin sees it running until the work completes, then replays it', async () => {
    const r = req();
    const claim = await claimIdempotent(pool, r, { at: t0, leaseMs: 30_000 });
    assert.equal(claim.kind, 'claimed');
    assert.deepEqual(await claimIdempotent(pool, r, { at: t0, leaseMs: 30_000 }), { kind: 'running' });
    const waiting = waitForIdempotent(pool, r, { timeoutMs: 5_000, pollMs: 10, now: () => t0 });
    const token = claim.kind === 'claimed' ? claim.token : '';
    assert.equal(
      await withTransaction(pool, (tx) => completeIdempotent(tx, { ...r, token }, response)),
      true,
    );
    assert.deepEqual(await waiting, { kind: 'replay', response });
    assert.deepEqual(await claimIdempotent(pool, r, { at: t0, leaseMs: 30_000 }), {
      kind: 'replay',
      response,
    });
  });

  it('given a twin that never finishes, then waiting is bounded and answers running', async () => {
    const r = req();
    await claimIdempotent(pool, r, { at: t0, leaseMs: 30_000 });
    assert.deepEqual(await waitForIdempotent(pool, r, { timeoutMs: 30, pollMs: 10, now: () => t0 }), {
      kind: 'running',
    });
  });

  it('given an owner that died, then the same request takes the lease over and the old owner cannot complete', async () => {
    const r = req();
    const old = await claimIdempotent(pool, r, { at: t0, leaseMs: 1_000 });
    const later = new Date(t0.getTime() + 1_000);
    const other = { ...r, requestHash: requestHash('POST', '/v1/things', 'other') };
    assert.deepEqual(await claimIdempotent(pool, other, { at: later, leaseMs: 1_000 }), { kind: 'mismatch' });
    const taken = await claimIdempotent(pool, r, { at: later, leaseMs: 1_000 });
    assert.equal(taken.kind, 'claimed');
    const oldToken = old.kind === 'claimed' ? old.token : '';
    assert.equal(await completeIdempotent(pool, { ...r, token: oldToken }, response), false);
  });

  it('given work that failed without effect, then abandoning the key lets a retry run it', async () => {
    const r = req();
    const claim = await claimIdempotent(pool, r, { at: t0, leaseMs: 30_000 });
    await abandonIdempotent(pool, { ...r, token: claim.kind === 'claimed' ? claim.token : '' });
    assert.equal((await claimIdempotent(pool, r, { at: t0, leaseMs: 30_000 })).kind, 'claimed');
  });
});
