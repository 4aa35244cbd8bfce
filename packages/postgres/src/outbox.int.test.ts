import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloudEvent, fixedClock } from '@strongbox/kernel';
import pg from 'pg';
import { migrate, POSTGRES_MODULES } from './migrate.ts';
import {
  appendOutbox,
  markPublished,
  OUTBOX_APPEND_MAX,
  oldestUnpublishedAgeMs,
  outboxChannel,
  outboxInsert,
  purgePublished,
  readUnpublished,
} from './outbox.ts';
import type { Pool } from './pool.ts';
import { prepared } from './prepared.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';
import { withTransaction } from './tx.ts';

let db: TestDatabase;
let pool: Pool;
const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
const event = (n: number) =>
  cloudEvent({ service: 'test', type: 'test.thing.happened', subject: `thing_${n}`, data: { n } }, clock);

before(async () => {
  db = await createTestDatabase('outbox');
  pool = db.pool('svc');
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(`${tmpdir()}/svc-migrations-`);
  const { applied } = await migrate(pool, {
    schema: 'svc',
    dir,
    modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.inbox, POSTGRES_MODULES.idempotency],
  });
  assert.deepEqual(applied, [
    'outbox/0001-outbox.sql',
    'inbox/0001-inbox.sql',
    'inbox/0002-inbox-retention.sql',
    'idempotency/0001-idempotency.sql',
  ]);
});
after(async () => {
  await db.drop();
});

describe('appendOutbox', () => {
  it('given a committed transaction, then its events are stored as CloudEvents envelopes in order', async () => {
    await withTransaction(pool, (tx) => appendOutbox(tx, [event(1), event(2)]));
    const { rows } = await pool.query<{
      type: string;
      envelope: { specversion: string; data: { n: number } };
    }>('select type, envelope from outbox order by position');
    assert.deepEqual(
      rows.map((r) => r.envelope.data.n),
      [1, 2],
    );
    assert.equal(rows[0]?.envelope.specversion, '1.0');
  });

  it('given a rolled-back transaction, then none of its events exist', async () => {
    const before = (await pool.query('select count(*)::int as n from outbox')).rows[0].n;
    await assert.rejects(
      withTransaction(pool, async (tx) => {
        await appendOutbox(tx, [event(3)]);
        throw new Error('business rule failed');
      }),
    );
    assert.equal((await pool.query('select count(*)::int as n from outbox')).rows[0].n, before);
  });
});

describe('outboxInsert', () => {
  /** A change and its events in one statement: a guarded update of a row of the test's own, then the events. */
  const changeWithEvents = (id: string, version: number, events: ReturnType<typeof event>[]) => {
    const append = outboxInsert(events, 3, 'exists (select 1 from changed)');
    return pool.query<{ changed: number }>(
      prepared(
        `with changed as (
           update things set version = version + 1 where id = $1 and version = $2 returning 1
         ), appended as (${append.sql})
         select count(*)::int as changed from changed`,
        [id, version, ...append.params],
      ),
    );
  };
  const stored = async (ids: readonly string[]) =>
    (
      await pool.query<{ event_id: string; type: string; subject: string; envelope: unknown }>(
        'select event_id, type, subject, envelope from outbox where event_id = any($1::text[]) order by position',
        [ids],
      )
    ).rows;

  before(async () => {
    await pool.query(`create table things (id text primary key, version int not null);
                      insert into things values ('a', 1), ('b', 1)`);
  });

  it('given a change in the same statement, then it stores the rows appendOutbox stores, in order', async () => {
    const appended = [event(40), event(41)];
    await withTransaction(pool, (tx) => appendOutbox(tx, appended));
    const inline = [event(40), event(41)];
    const { rows } = await changeWithEvents('a', 1, inline);
    assert.equal(rows[0]?.changed, 1);
    const strip = (r: { event_id: string; envelope: unknown }) => ({
      ...r,
      event_id: '',
      envelope: { ...(r.envelope as object), id: '' },
    });
    const byAppend = await stored(appended.map((e) => e.id));
    const byInsert = await stored(inline.map((e) => e.id));
    assert.deepEqual(
      byInsert.map((r) => r.event_id),
      inline.map((e) => e.id),
    );
    assert.deepEqual(byInsert.map(strip), byAppend.map(strip), 'the same columns and envelopes, ids aside');
    assert.deepEqual(
      byInsert.map((r) => r.envelope),
      inline.map((e) => JSON.parse(JSON.stringify(e))),
    );
  });

  it('given a guard that does not hold (the change matched nothing), then no event is stored', async () => {
    const late = [event(42)];
    const { rows } = await changeWithEvents('b', 7, late);
    assert.equal(rows[0]?.changed, 0);
    assert.deepEqual(await stored(late.map((e) => e.id)), []);
  });

  it('numbers its parameters from the one given and refuses more events than one append may hold', () => {
    assert.match(
      outboxInsert([], 5).sql,
      /unnest\(\$5::text\[\], \$6::text\[\], \$7::text\[\], \$8::jsonb\[\]\)$/,
    );
    assert.equal(outboxInsert([event(43)], 1).params.length, 4);
    assert.throws(() =>
      outboxInsert(
        Array.from({ length: OUTBOX_APPEND_MAX + 1 }, (_, i) => event(i)),
        1,
      ),
    );
  });
});

describe('the relay queries', () => {
  it('given committed, open and published events, then readUnpublished sees only the committed unpublished ones, by position', async () => {
    await pool.query('update outbox set published_at = now() where published_at is null');
    const open = await pool.connect();
    try {
      await open.query('begin');
      await appendOutbox(open, [event(10)]);
      await withTransaction(pool, (tx) => appendOutbox(tx, [event(11), event(12)]));
      const seen = await readUnpublished(pool, 10);
      assert.deepEqual(
        seen.map((e) => (JSON.parse(e.json) as { data: { n: number } }).data.n),
        [11, 12],
      );
      assert.ok(seen[0]!.position < seen[1]!.position);
      assert.equal(seen[0]!.type, 'test.thing.happened');
      assert.equal((await readUnpublished(pool, 1)).length, 1, 'bounded by the limit');

      await markPublished(pool, [seen[0]!.position], clock.now());
      assert.deepEqual(
        (await readUnpublished(pool, 10)).map((e) => e.position),
        [seen[1]!.position],
      );
      await open.query('commit');
      assert.equal((await readUnpublished(pool, 10)).length, 2, 'the late commit is read once it commits');
    } finally {
      open.release();
    }
  });

  it('reports the age of the oldest unpublished event, and 0 when none is left', async () => {
    const { rows } = await pool.query<{ created_at: Date }>(
      'select created_at from outbox where published_at is null order by position limit 1',
    );
    const later = new Date(rows[0]!.created_at.getTime() + 5_000);
    assert.equal(await oldestUnpublishedAgeMs(pool, later), 5_000);
    await pool.query('update outbox set published_at = now() where published_at is null');
    assert.equal(await oldestUnpublishedAgeMs(pool, later), 0);
  });

  it('purges only events published before the cutoff, at most the limit', async () => {
    await withTransaction(pool, (tx) => appendOutbox(tx, [event(20), event(21), event(22)]));
    await pool.query("update outbox set published_at = '2020-01-01' where published_at is not null");
    const unpublishedBefore = (await readUnpublished(pool, 100)).length;
    const total = (await pool.query('select count(*)::int as n from outbox where published_at is not null'))
      .rows[0].n;
    assert.equal(await purgePublished(pool, new Date('2021-01-01'), 2), 2);
    assert.equal(await purgePublished(pool, new Date('2021-01-01'), 1_000), total - 2);
    assert.equal((await readUnpublished(pool, 100)).length, unpublishedBefore, 'unpublished events stay');
  });

  it('notifies the schema’s channel when an append commits, and not when it rolls back', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.channel));
    try {
      await listener.query(`listen "${outboxChannel('svc')}"`);
      await assert.rejects(
        withTransaction(pool, async (tx) => {
          await appendOutbox(tx, [event(30)]);
          throw new Error('rolled back');
        }),
      );
      await withTransaction(pool, (tx) => appendOutbox(tx, [event(31), event(32)]));
      // A round trip on the listening connection delivers any notification already sent to it.
      for (let i = 0; i < 50 && heard.length === 0; i++) await listener.query('select 1');
      assert.deepEqual(heard, ['strongbox.outbox.svc'], 'one notification for the committed statement');
    } finally {
      await listener.end();
    }
  });
});
