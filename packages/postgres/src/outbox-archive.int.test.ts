import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { cloudEvent, fixedClock } from '@strongbox/kernel';
import { migrate, POSTGRES_MODULES } from './migrate.ts';
import {
  appendOutbox,
  archivePublished,
  hasOutboxArchive,
  markPublished,
  purgeArchived,
  readUnpublished,
} from './outbox.ts';
import type { Pool } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';
import { withTransaction } from './tx.ts';

/**
 * ADR 0039: with the outboxArchive module, published rows move out of the outbox into an archive; ADR 0040:
 * each archived row gets a log position as it arrives, in the order it was archived.
 */
let db: TestDatabase;
let pool: Pool;
const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
const event = (n: number) =>
  cloudEvent({ service: 'test', type: 'test.thing.happened', subject: `thing_${n}`, data: { n } }, clock);

before(async () => {
  db = await createTestDatabase('outbox_archive');
  pool = db.pool('svc');
  const dir = await mkdtemp(`${tmpdir()}/svc-migrations-`);
  await migrate(pool, { schema: 'svc', dir, modules: [POSTGRES_MODULES.outbox] });
  // A service that published before it opted in: its published rows move to the archive with the module.
  await withTransaction(pool, (tx) => appendOutbox(tx, [event(1), event(2)]));
  const [first] = await readUnpublished(pool, 1);
  await markPublished(pool, [first!.position], new Date('2025-12-31T00:00:00Z'));
  assert.equal(await hasOutboxArchive(pool, 'svc'), false);
  const { applied } = await migrate(pool, {
    schema: 'svc',
    dir,
    modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.outboxArchive],
  });
  assert.deepEqual(applied, [
    'outboxarchive/0001-outbox-archive.sql',
    'outboxarchive/0002-outbox-log-position.sql',
  ]);
});
after(async () => {
  await db.drop();
});

const archived = async () =>
  (
    await pool.query<{ subject: string }>(
      'select subject from outbox_published order by position, published_at',
    )
  ).rows.map((r) => r.subject);
const inOutbox = async () =>
  (await pool.query<{ subject: string }>('select subject from outbox order by position')).rows.map(
    (r) => r.subject,
  );

describe('the outbox archive', () => {
  it('given a schema that opted in, then the outbox holds only unpublished rows and has no partial index', async () => {
    assert.equal(await hasOutboxArchive(pool, 'svc'), true);
    assert.deepEqual(await inOutbox(), ['thing_2']);
    assert.deepEqual(await archived(), ['thing_1']);
    const { rows } = await pool.query(
      "select indexname from pg_indexes where schemaname = 'svc' and tablename = 'outbox' order by 1",
    );
    assert.deepEqual(
      rows.map((r) => r.indexname),
      ['outbox_event_id_unique', 'outbox_pkey'],
    );
  });

  it('given confirmed events, then archivePublished moves exactly those, in one statement, with the time', async () => {
    await withTransaction(pool, (tx) => appendOutbox(tx, [event(3), event(4)]));
    const unpublished = await readUnpublished(pool, 10);
    assert.deepEqual(
      unpublished.map((e) => JSON.parse(e.json).subject),
      ['thing_2', 'thing_3', 'thing_4'],
    );
    const at = new Date('2026-01-02T00:00:00Z');
    await archivePublished(pool, [unpublished[0]!.position, unpublished[1]!.position], at);
    assert.deepEqual(await inOutbox(), ['thing_4']);
    const { rows } = await pool.query<{ subject: string; published_at: Date; envelope: { subject: string } }>(
      `select subject, published_at, envelope from outbox_published where subject in ('thing_2', 'thing_3')
       order by position`,
    );
    assert.deepEqual(
      rows.map((r) => [r.subject, r.published_at.toISOString(), r.envelope.subject]),
      [
        ['thing_2', at.toISOString(), 'thing_2'],
        ['thing_3', at.toISOString(), 'thing_3'],
      ],
    );
  });

  it('numbers archived rows in the order they arrive: the row archived before the module first, then outbox order', async () => {
    const { rows } = await pool.query<{ subject: string; log_position: bigint }>(
      'select subject, log_position from outbox_published order by log_position',
    );
    assert.deepEqual(
      rows.map((r) => [r.subject, r.log_position]),
      [
        ['thing_1', 1n],
        ['thing_2', 2n],
        ['thing_3', 3n],
      ],
    );
  });

  it('given a log position limit, then the purge keeps the rows after it', async () => {
    assert.equal(await purgeArchived(pool, new Date('2026-01-03T00:00:00Z'), 10, 0n), 0);
  });

  it('purges only archived events published before the cutoff, at most the limit', async () => {
    // thing_1 (2025-12-31) and thing_2, thing_3 (2026-01-02) are archived.
    assert.equal(await purgeArchived(pool, new Date('2026-01-03T00:00:00Z'), 2), 2);
    assert.equal(await purgeArchived(pool, new Date('2026-01-01T00:00:00Z'), 10), 0);
    assert.equal(await purgeArchived(pool, new Date('2026-01-03T00:00:00Z'), 10), 1);
    assert.deepEqual(await archived(), []);
    assert.deepEqual(await inOutbox(), ['thing_4'], 'unpublished events stay');
  });
});
