import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from '@strongbox/postgres';
import { purgeInbox } from '@strongbox/postgres/inbox';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { INBOX_RETENTION_MS } from './inbox-retention.ts';
import { OUTBOX_RETENTION_MS } from './relay.ts';
import { serviceSchema } from './testing.ts';

let db: TestDatabase;
let pool: Pool;
const NOW = new Date('2026-06-01T00:00:00Z');
/** The documented windows (docs/ARCHITECTURE.md), written out: a handled event is kept 8 days, a published one 7. */
const DAY_MS = 24 * 60 * 60 * 1000;
const CUTOFF = new Date(NOW.getTime() - 8 * DAY_MS);
const OLD = new Date(CUTOFF.getTime() - 1_000);
const RECENT = new Date(CUTOFF.getTime() + 1_000);

before(async () => {
  db = await createTestDatabase('inbox_ret');
  pool = (await serviceSchema(db.url)).pool;
});
after(async () => {
  await pool.end();
  await db.drop();
});

async function seed(consumer: string, at: Date, count: number, prefix: string): Promise<void> {
  await pool.query(
    `insert into inbox (consumer, event_id, processed_at)
     select $1, $2 || g, $3 from generate_series(1, $4::int) g`,
    [consumer, prefix, at, count],
  );
}

const count = async (consumer: string, olderThan?: Date) =>
  (
    await pool.query<{ n: number }>(
      'select count(*)::int as n from inbox where consumer = $1 and ($2::timestamptz is null or processed_at < $2)',
      [consumer, olderThan ?? null],
    )
  ).rows[0]?.n ?? 0;

describe('inbox retention', () => {
  it('keeps handled events at least as long as the outbox keeps published ones', () => {
    assert.ok(INBOX_RETENTION_MS >= OUTBOX_RETENTION_MS);
    assert.equal(INBOX_RETENTION_MS, 8 * DAY_MS);
    assert.equal(OUTBOX_RETENTION_MS, 7 * DAY_MS);
  });

  it("given old and recent rows of two consumers, when one consumer's inbox is purged, then only its old rows go, in bounded batches", async () => {
    await seed('a', OLD, 25, 'a-old-');
    await seed('a', RECENT, 5, 'a-new-');
    await seed('b', OLD, 7, 'b-old-');
    // Two batches of ten: the run stops at its bound and leaves the rest for the next one.
    assert.equal(await purgeInbox(pool, 'a', CUTOFF, { limit: 10, batches: 2 }), 20);
    assert.equal(await count('a', CUTOFF), 5);
    assert.equal(await purgeInbox(pool, 'a', CUTOFF, { limit: 10, batches: 2 }), 5);
    assert.equal(await count('a', CUTOFF), 0);
    assert.equal(await count('a'), 5, 'recent rows stay');
    assert.equal(await count('b'), 7, "another consumer's rows stay");
    assert.equal(await purgeInbox(pool, 'a', CUTOFF), 0, 'nothing left to purge');
  });
});
