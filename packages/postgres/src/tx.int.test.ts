import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Pool, PoolClient } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';
import { isRetryable, TX_RETRIES_MAX, withTransaction } from './tx.ts';

/** Zero backoff: retries happen at once, so no test waits on jitter. */
const noJitter = () => 0;

/** Lets `parties` callers through only once all of them have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return async () => {
    arrived++;
    if (arrived === parties) open();
    await opened;
  };
}

async function rows(pool: Pool, sql: string): Promise<Record<string, unknown>[]> {
  return (await pool.query(sql)).rows;
}

describe('withTransaction', () => {
  let db: TestDatabase;
  let pool: Pool;
  before(async () => {
    db = await createTestDatabase('tx');
    pool = db.pool();
    await pool.query('create table notes (tag text primary key, seen bigint not null)');
    await pool.query('create table accounts (id text primary key, balance bigint not null)');
  });
  beforeEach(async () => {
    await pool.query('truncate notes, accounts');
    await pool.query("insert into accounts values ('a', 0), ('b', 0)");
  });
  after(async () => await db.drop());

  function assertPoolClean(): void {
    assert.equal(pool.waitingCount, 0, 'nobody waits for a client');
    assert.equal(pool.idleCount, pool.totalCount, 'every client went back to the pool');
  }

  it('given work that succeeds, when run, then it commits and returns the result', async () => {
    const result = await withTransaction(pool, async (tx) => {
      await tx.query("insert into notes values ('x', 1)");
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(await rows(pool, 'select tag, seen from notes'), [{ tag: 'x', seen: 1n }]);
    assertPoolClean();
  });

  it('given an isolation level, when run, then the transaction uses it', async () => {
    const levels = ['read committed', 'repeatable read', 'serializable'] as const;
    for (const isolation of levels) {
      const seen = await withTransaction(
        pool,
        async (tx) => (await tx.query('show transaction_isolation')).rows[0].transaction_isolation,
        { isolation },
      );
      assert.equal(seen, isolation);
    }
  });

  it('given work that writes and then throws, when run, then nothing is written, fn runs once and the same error is rethrown', async () => {
    const boom = new Error('boom');
    let calls = 0;
    await assert.rejects(
      withTransaction(pool, async (tx) => {
        calls++;
        await tx.query("insert into notes values ('partial', 1)");
        await tx.query("update accounts set balance = 100 where id = 'a'");
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.equal(calls, 1);
    assert.deepEqual(await rows(pool, 'select * from notes'), []);
    assert.deepEqual(await rows(pool, "select balance from accounts where id = 'a'"), [{ balance: 0n }]);
    assertPoolClean();
  });

  it('given a non-retryable database error (unique violation), when run, then it rolls back once and rethrows it', async () => {
    let calls = 0;
    await assert.rejects(
      withTransaction(pool, async (tx) => {
        calls++;
        await tx.query("insert into notes values ('dup', 1)");
        await tx.query("insert into notes values ('dup', 2)");
      }),
      { code: '23505' },
    );
    assert.equal(calls, 1);
    assert.deepEqual(await rows(pool, 'select * from notes'), []);
    assertPoolClean();
  });

  it('given two serializable transactions that each read then write the same rows, when run together, then one is retried after 40001 and both effects land once', async () => {
    // Write skew: each counts the notes and inserts one recording what it saw. Run serially, the counts
    // are 0 and 1; run concurrently, both see 0, so PostgreSQL must abort one with 40001.
    const bothRead = barrier(2);
    const calls = { first: 0, second: 0 };
    const errors: unknown[] = [];
    const note = (tag: 'first' | 'second') =>
      withTransaction(
        pool,
        async (tx: PoolClient) => {
          calls[tag]++;
          const { rows: counted } = await tx.query<{ n: bigint }>('select count(*) as n from notes');
          if (calls[tag] === 1) await bothRead();
          try {
            await tx.query('insert into notes values ($1, $2)', [tag, counted[0]?.n]);
          } catch (err) {
            errors.push(err);
            throw err;
          }
        },
        { isolation: 'serializable', random: noJitter },
      );
    await Promise.all([note('first'), note('second')]);

    assert.equal(calls.first + calls.second, 3, 'exactly one of the two ran again');
    const notes = await rows(pool, 'select tag, seen from notes order by seen');
    assert.equal(notes.length, 2, 'each effect applied exactly once');
    assert.deepEqual(
      notes.map((n) => n['seen']),
      [0n, 1n],
      'the retried one saw the other’s write',
    );
    assert.ok(
      errors.every((e) => (e as { code?: string }).code === '40001'),
      'any failure seen was a serialization failure',
    );
    assertPoolClean();
  });

  it('given two transactions that lock two rows in opposite order, when they deadlock, then the victim is retried after 40P01 and both transfers land once', async () => {
    const bothLockedFirst = barrier(2);
    const calls = { ab: 0, ba: 0 };
    const codes: string[] = [];
    const transfer = (from: 'a' | 'b', to: 'a' | 'b', amount: bigint) => {
      const key = from === 'a' ? 'ab' : 'ba';
      return withTransaction(
        pool,
        async (tx) => {
          calls[key]++;
          try {
            await tx.query('update accounts set balance = balance - $2 where id = $1', [from, amount]);
            if (calls[key] === 1) await bothLockedFirst();
            await tx.query('update accounts set balance = balance + $2 where id = $1', [to, amount]);
          } catch (err) {
            codes.push((err as { code?: string }).code ?? 'none');
            throw err;
          }
        },
        { random: noJitter },
      );
    };
    await Promise.all([transfer('a', 'b', 10n), transfer('b', 'a', 3n)]);

    // Usually one victim; under load the retried victim can deadlock once more (still retried). What must
    // hold: every failure was a deadlock, each one cost exactly one more run, and both transfers landed once.
    assert.ok(codes.length >= 1, 'at least one deadlock victim');
    assert.ok(
      codes.every((c) => c === '40P01'),
      `only deadlocks: ${codes.join(', ')}`,
    );
    assert.equal(calls.ab + calls.ba, 2 + codes.length);
    assert.deepEqual(await rows(pool, 'select id, balance from accounts order by id'), [
      { id: 'a', balance: -7n },
      { id: 'b', balance: 7n },
    ]);
    assertPoolClean();
  });

  it('given work that always fails with 40001, when run, then it is tried retriesMax + 1 times and the last error is rethrown', async () => {
    const retriesMax = 3;
    let calls = 0;
    let last: unknown;
    await assert.rejects(
      withTransaction(
        pool,
        async (tx) => {
          calls++;
          await tx.query("insert into notes values ('attempt-' || $1::text, 0)", [calls]);
          last = Object.assign(new Error('could not serialize access'), { code: '40001' });
          throw last;
        },
        { retriesMax, random: noJitter },
      ),
      (err) => err === last,
    );
    assert.equal(calls, retriesMax + 1);
    assert.deepEqual(await rows(pool, 'select * from notes'), [], 'no attempt left a write behind');
    assertPoolClean();
  });

  it('given the default limit, when work always deadlocks, then it gives up after TX_RETRIES_MAX retries', async () => {
    let calls = 0;
    await assert.rejects(
      withTransaction(
        pool,
        async () => {
          calls++;
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        },
        { random: noJitter },
      ),
      { code: '40P01' },
    );
    assert.equal(calls, TX_RETRIES_MAX + 1);
  });

  it('given retriesMax 0, when the work fails with 40001, then it is not retried', async () => {
    let calls = 0;
    await assert.rejects(
      withTransaction(
        pool,
        async () => {
          calls++;
          throw Object.assign(new Error('x'), { code: '40001' });
        },
        { retriesMax: 0, random: noJitter },
      ),
    );
    assert.equal(calls, 1);
  });

  it('given the connection dies mid-transaction, when it fails, then the call rejects without an uncaught exception and the client is discarded', async () => {
    // A server restart or failover ends the socket of a checked-out client; pg then emits 'error' on that
    // client, and with no listener Node turns it into an uncaught exception that kills the service.
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on('uncaughtExceptionMonitor', record);
    try {
      await assert.rejects(
        withTransaction(pool, async (tx) => {
          await tx.query('select pg_terminate_backend(pg_backend_pid())');
        }),
        { code: '57P01' },
      );
      // The rollback can only fail once the socket has ended, so the 'error' event has fired by now.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtExceptionMonitor', record);
    }
    assert.deepEqual(
      uncaught.map((e) => String(e)),
      [],
      'the dead connection surfaced as an uncaught exception',
    );
    const { rows: next } = await pool.query('select 1 as ok');
    assert.deepEqual(next, [{ ok: 1 }], 'the next query gets a working connection');
    assertPoolClean();
  });
});

describe('isRetryable', () => {
  it('given serialization failures and deadlocks, when checked, then they are retryable', () => {
    assert.equal(isRetryable({ code: '40001' }), true);
    assert.equal(isRetryable(Object.assign(new Error('x'), { code: '40P01' })), true);
  });

  it('given anything else, when checked, then it is not retryable', () => {
    const others: unknown[] = [
      { code: '23505' },
      { code: '40002' },
      { code: '40p01' },
      { code: 40001 },
      { code: undefined },
      {},
      new Error('40001'),
      '40001',
      null,
      undefined,
    ];
    for (const value of others) assert.equal(isRetryable(value), false, JSON.stringify(value));
  });
});
