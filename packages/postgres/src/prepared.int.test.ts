import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from './pool.ts';
import { PREPARED_TEXTS_MAX, prepared } from './prepared.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

let db: TestDatabase;
let a: Pool;
let b: Pool;

before(async () => {
  db = await createTestDatabase('prepared');
  a = db.pool('svc_a');
  b = db.pool('svc_b');
  for (const [pool, schema] of [
    [a, 'svc_a'],
    [b, 'svc_b'],
  ] as const) {
    await pool.query(
      `create schema if not exists ${schema}; create table ${schema}.things (id int primary key, v text)`,
    );
    await pool.query(`insert into ${schema}.things values (1, '${schema}')`);
  }
});

after(async () => {
  await db.drop();
});

const READ = 'select v from things where id = $1';

describe('prepared', () => {
  it('given one text, when asked twice, then it carries the same name and the values given each time', () => {
    const first = prepared(READ, [1]);
    const second = prepared(READ, [2]);
    assert.ok(first.name?.startsWith('sb_'));
    assert.equal(first.name, second.name);
    assert.deepEqual(second.values, [2]);
    assert.notEqual(prepared(`${READ} and v is not null`, [1]).name, first.name);
  });

  it('given a prepared statement, when run many times on one connection, then each run answers with its own values', async () => {
    const client = await a.connect();
    try {
      for (const id of [1, 2, 1, 2, 1, 1, 1, 1, 2]) {
        const { rows } = await client.query<{ v: string }>(prepared(READ, [id]));
        assert.deepEqual(
          rows.map((r) => r.v),
          id === 1 ? ['svc_a'] : [],
        );
      }
    } finally {
      client.release();
    }
  });

  it("given two services' pools, when the same text runs on each, then each reads its own schema", async () => {
    const [fromA, fromB] = await Promise.all([a.query(prepared(READ, [1])), b.query(prepared(READ, [1]))]);
    assert.equal(fromA.rows[0]?.v, 'svc_a');
    assert.equal(fromB.rows[0]?.v, 'svc_b');
  });

  it('given more distinct texts than the limit, when asked, then the rest go unnamed and still run', async () => {
    let unnamed = 0;
    for (let i = 0; i < PREPARED_TEXTS_MAX + 5; i++) {
      if (prepared(`select ${i}::int as n where $1::int = 1`, [1]).name === undefined) unnamed += 1;
    }
    assert.ok(unnamed >= 5, `${unnamed} texts went unnamed`);
    const { rows } = await a.query<{ n: number }>(
      prepared(`select ${PREPARED_TEXTS_MAX + 4}::int as n where $1::int = 1`, [1]),
    );
    assert.equal(rows[0]?.n, PREPARED_TEXTS_MAX + 4);
  });
});
