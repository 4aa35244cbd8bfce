import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloudEvent, fixedClock } from '@strongbox/kernel';
import { migrate, POSTGRES_MODULES } from './migrate.ts';
import { appendOutbox } from './outbox.ts';
import type { Pool } from './pool.ts';
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
