import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { fixedClock, type IdempotentRequest, refId, requestHash } from '@strongbox/kernel';
import { claimIdempotent, findIdempotent, IDEMPOTENCY_TTL_MS } from './idempotency.ts';
import {
  KEYED_STATEMENT_FIRST_PARAM,
  type KeyedStatement,
  runIdempotentStatement,
} from './idempotent-run.ts';
import { migrate, POSTGRES_MODULES } from './migrate.ts';
import type { Pool } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

let db: TestDatabase;
let pool: Pool;
const t0 = new Date('2026-01-01T00:00:00Z');
let n = 0;
const req = (name = 'a'): IdempotentRequest => {
  n += 1;
  return { scope: 'usr_1', key: `key-${n}`, requestHash: requestHash('POST', '/v1/things', { name }) };
};

/** The work: a new thing, answered as it will be stored (the answer is known before the statement runs). */
const insertThing = (id: string, name: string) => (): KeyedStatement => ({
  response: { status: 201, body: JSON.stringify({ id, name }) },
  sql: (recorded) =>
    `insert into things (id, name) select $${KEYED_STATEMENT_FIRST_PARAM}, $${KEYED_STATEMENT_FIRST_PARAM + 1} where ${recorded}`,
  values: [id, name],
});

const things = async (ids: readonly string[]) =>
  (await pool.query('select id from things where id = any($1) order by id', [ids])).rows.map((r) => r.id);

before(async () => {
  db = await createTestDatabase('idem_run');
  pool = db.pool('svc');
  await migrate(pool, {
    schema: 'svc',
    dir: await mkdtemp(`${tmpdir()}/svc-`),
    modules: [POSTGRES_MODULES.idempotency],
  });
  await pool.query('create table things (id text primary key, name text not null)');
});
after(async () => {
  await db.drop();
});

describe('runIdempotentStatement', () => {
  it('given a new key, then the work is done and the key recorded with its answer; the same request replays it and changes nothing', async () => {
    const clock = fixedClock(t0);
    const r = req();
    const first = await runIdempotentStatement(pool, clock, r, insertThing('th_1', 'a'));
    assert.deepEqual(first, {
      kind: 'done',
      response: { status: 201, body: '{"id":"th_1","name":"a"}' },
      replayed: false,
    });
    const again = await runIdempotentStatement(pool, clock, r, insertThing('th_2', 'a'));
    assert.deepEqual(again, { ...first, replayed: true });
    assert.deepEqual(await things(['th_1', 'th_2']), ['th_1']);
  });

  it('given a key used for another request, then the answer is a mismatch and nothing is written', async () => {
    const clock = fixedClock(t0);
    const r = req('b');
    await runIdempotentStatement(pool, clock, r, insertThing('th_3', 'b'));
    const other = { ...r, requestHash: requestHash('POST', '/v1/things', { name: 'c' }) };
    assert.deepEqual(await runIdempotentStatement(pool, clock, other, insertThing('th_4', 'c')), {
      kind: 'mismatch',
    });
    assert.deepEqual(await things(['th_3', 'th_4']), ['th_3']);
  });

  it('given twins sent at once, then one does the work and every other replays its answer', async () => {
    const clock = fixedClock(t0);
    const r = req();
    const ids = Array.from({ length: 8 }, (_, i) => `th_twin_${n}_${i}`);
    const outcomes = await Promise.all(
      ids.map((id) => runIdempotentStatement(pool, clock, r, insertThing(id, 'a'))),
    );
    const written = await things(ids);
    assert.equal(written.length, 1);
    for (const o of outcomes) {
      assert.equal(o.kind, 'done');
      if (o.kind === 'done') assert.equal(o.response.body, JSON.stringify({ id: written[0], name: 'a' }));
    }
    assert.equal(outcomes.filter((o) => o.kind === 'done' && !o.replayed).length, 1);
  });

  it('given a statement that fails, then nothing is recorded and the request may run again', async () => {
    const clock = fixedClock(t0);
    const r = req();
    await pool.query("insert into things values ('th_taken', 'x')");
    await assert.rejects(
      runIdempotentStatement(pool, clock, r, insertThing('th_taken', 'a')),
      /duplicate key/,
    );
    assert.deepEqual((await findIdempotent(pool, [r], t0)).get(refId(r)), { kind: 'absent' });
    assert.equal((await runIdempotentStatement(pool, clock, r, insertThing('th_5', 'a'))).kind, 'done');
  });

  it('given a key past its 24 hours, then it is recorded anew and the work runs', async () => {
    const clock = fixedClock(t0);
    const r = req();
    await runIdempotentStatement(pool, clock, r, insertThing('th_6', 'a'));
    clock.advance(IDEMPOTENCY_TTL_MS);
    const later = await runIdempotentStatement(pool, clock, r, insertThing('th_7', 'a'));
    assert.deepEqual(later.kind === 'done' && later.replayed, false);
    assert.deepEqual(await things(['th_6', 'th_7']), ['th_6', 'th_7']);
  });

  it('given a key claimed in lease mode and still running, then the answer is running and nothing is written', async () => {
    const clock = fixedClock(t0);
    const r = req();
    assert.equal((await claimIdempotent(pool, r, { at: t0, leaseMs: 60_000 })).kind, 'claimed');
    assert.deepEqual(await runIdempotentStatement(pool, clock, r, insertThing('th_8', 'a')), {
      kind: 'running',
    });
    assert.deepEqual(await things(['th_8']), []);
  });
});
