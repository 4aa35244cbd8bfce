import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import {
  appendToStream,
  readAllEvents,
  readStream,
  STREAM_APPEND_MAX,
  StreamVersionConflict,
  streamVersion,
} from './event-store.ts';
import { migrate, POSTGRES_MODULES } from './migrate.ts';
import type { Pool } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';
import { withTransaction } from './tx.ts';

let db: TestDatabase;
let pool: Pool;
let streamSeq = 0;
const newStream = () => `deal_test_${process.pid}_${++streamSeq}`;
const ev = (n: number) => ({
  id: `evt_${streamSeq}_${n}_${Math.random()}`,
  type: 'deal.touched',
  data: { n },
});

before(async () => {
  db = await createTestDatabase('eventstore');
  pool = db.pool('svc');
  const dir = await mkdtemp(`${tmpdir()}/svc-migrations-`);
  await migrate(pool, { schema: 'svc', dir, modules: [POSTGRES_MODULES.eventstore] });
});
after(async () => {
  await db.drop();
});

describe('event store', () => {
  it('given a new stream, when events are appended at version 0 and then at 2, then they read back in order with versions 1..3', async () => {
    const s = newStream();
    assert.equal(await withTransaction(pool, (tx) => appendToStream(tx, s, 0, [ev(1), ev(2)])), 2);
    assert.equal(await withTransaction(pool, (tx) => appendToStream(tx, s, 2, [ev(3)])), 3);
    const events = await readStream(pool, s);
    assert.deepEqual(
      events.map((e) => [e.version, (e.data as { n: number }).n, e.type]),
      [
        [1, 1, 'deal.touched'],
        [2, 2, 'deal.touched'],
        [3, 3, 'deal.touched'],
      ],
    );
    assert.equal(await streamVersion(pool, s), 3);
    assert.deepEqual(
      (await readStream(pool, s, 2)).map((e) => e.version),
      [3],
    );
  });

  it('given a stream at version 1, when a writer expects 0 or 2, then it gets StreamVersionConflict and nothing is written', async () => {
    const s = newStream();
    await withTransaction(pool, (tx) => appendToStream(tx, s, 0, [ev(1)]));
    for (const stale of [0, 2]) {
      await assert.rejects(
        withTransaction(pool, (tx) => appendToStream(tx, s, stale, [ev(9)])),
        (err: unknown) => err instanceof StreamVersionConflict && err.expectedVersion === stale,
      );
    }
    assert.equal((await readStream(pool, s)).length, 1);
    assert.equal(await streamVersion(pool, s), 1);
  });

  it('given two writers that read the same version, when both append at once, then exactly one wins and the stream has no gap', async () => {
    const s = newStream();
    await withTransaction(pool, (tx) => appendToStream(tx, s, 0, [ev(1)]));
    const writers = Array.from({ length: 8 }, (_, i) =>
      withTransaction(pool, (tx) => appendToStream(tx, s, 1, [ev(100 + i), ev(200 + i)])),
    );
    const results = await Promise.allSettled(writers);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected' && r.reason instanceof StreamVersionConflict);
    assert.equal(won.length, 1);
    assert.equal(lost.length, 7);
    assert.deepEqual(
      (await readStream(pool, s)).map((e) => e.version),
      [1, 2, 3],
    );
  });

  it('given a rolled-back append, then neither the events nor the version bump remain', async () => {
    const s = newStream();
    await assert.rejects(
      withTransaction(pool, async (tx) => {
        await appendToStream(tx, s, 0, [ev(1)]);
        throw new Error('the command failed after appending');
      }),
      /failed after appending/,
    );
    assert.equal(await streamVersion(pool, s), 0);
    assert.equal(await withTransaction(pool, (tx) => appendToStream(tx, s, 0, [ev(1)])), 1);
  });

  it('refuses to update, delete or truncate stored events, even for the table owner', async () => {
    const s = newStream();
    await withTransaction(pool, (tx) => appendToStream(tx, s, 0, [ev(1)]));
    await assert.rejects(
      pool.query(`update events set data = '{}' where stream_id = $1`, [s]),
      /insert-only/,
    );
    await assert.rejects(pool.query('delete from events where stream_id = $1', [s]), /insert-only/);
    await assert.rejects(pool.query('truncate events cascade'), /insert-only/);
    assert.deepEqual(
      (await readStream(pool, s)).map((e) => e.data),
      [{ n: 1 }],
    );
  });

  it('refuses the same event id twice, and more than the append limit at once', async () => {
    const s = newStream();
    const once = ev(1);
    await withTransaction(pool, (tx) => appendToStream(tx, s, 0, [once]));
    await assert.rejects(
      withTransaction(pool, (tx) => appendToStream(tx, s, 1, [once])),
      /events_event_id_unique/,
    );
    const tooMany = Array.from({ length: STREAM_APPEND_MAX + 1 }, (_, i) => ev(i));
    await assert.rejects(
      withTransaction(pool, (tx) => appendToStream(tx, s, 1, tooMany)),
      RangeError,
    );
    assert.equal(await streamVersion(pool, s), 1);
  });

  it('pages through every stream in position order', async () => {
    const a = newStream();
    const b = newStream();
    await withTransaction(pool, (tx) => appendToStream(tx, a, 0, [ev(1)]));
    await withTransaction(pool, (tx) => appendToStream(tx, b, 0, [ev(2)]));
    await withTransaction(pool, (tx) => appendToStream(tx, a, 1, [ev(3)]));
    const seen: string[] = [];
    let after = 0n;
    for (let page = 0; page < 100; page++) {
      const events = await readAllEvents(pool, after, 2);
      if (events.length === 0) break;
      for (const e of events)
        if (e.streamId === a || e.streamId === b) seen.push(`${e.streamId}:${e.version}`);
      after = events.at(-1)!.position;
    }
    assert.deepEqual(seen, [`${a}:1`, `${b}:1`, `${a}:2`]);
  });
});
