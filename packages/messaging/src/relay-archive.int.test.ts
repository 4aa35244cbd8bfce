/**
 * The relay on a schema with the outbox archive (ADR 0039): the same commit order as ADR 0008, published
 * rows leave the outbox for the archive, and the runbooks' way to publish an event again still works.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '@strongbox/kernel';
import { appendOutbox, createPool, migrate, POSTGRES_MODULES, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { startConsumer } from './consumer.ts';
import { postgresTransport } from './postgres-transport.ts';
import { RELAY_VACUUM_AFTER_ROWS, startRelay } from './relay.ts';
import { append, effects, events, serviceSchema, silent, TEST_LEASE_MS, unique, waitFor } from './testing.ts';
import type { Transport } from './transport.ts';

/** The wait of the test that moves thousands of events. */
const LONG_WAIT_MS = 180_000;

const NO_POLL_MS = 60_000;

let db: TestDatabase;
let transportPool: Pool;
let transport: Transport;
before(async () => {
  db = await createTestDatabase('relay_archive');
  transportPool = createPool({ url: db.url, sizeMax: 4, onError: () => undefined });
  transport = postgresTransport({
    pool: transportPool,
    leaseMs: TEST_LEASE_MS,
    pollMs: NO_POLL_MS,
    logger: silent,
  });
});
after(async () => {
  await transport.close();
  await transportPool.end();
  await db.drop();
});

async function archivingService() {
  const svc = await serviceSchema(db.url);
  const dir = await mkdtemp(join(tmpdir(), 'strongbox-svc-'));
  await migrate(svc.pool, {
    schema: svc.schema,
    dir,
    modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.outboxArchive],
  });
  const type = `${unique('t')}.thing.happened`;
  const name = unique('c-');
  const consumer = await startConsumer(
    {
      name,
      eventTypes: [type],
      concurrency: 1,
      handle: async (tx, e) =>
        void (await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id])),
    },
    { pool: svc.pool, transport, logger: silent, clock: systemClock },
  );
  const relay = await startRelay({
    pool: svc.pool,
    schema: svc.schema,
    transport,
    logger: silent,
    clock: systemClock,
    pollMs: NO_POLL_MS,
  });
  const count = async (sql: string, params: unknown[] = []) =>
    (await svc.pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
  return {
    ...svc,
    type,
    handled: () => effects(svc.pool, name),
    inOutbox: () => count('select count(*)::int as n from outbox'),
    archivedTimes: (eventId: string) =>
      count('select count(*)::int as n from outbox_published where event_id = $1', [eventId]),
    async stop() {
      await relay.stop();
      await consumer.stop();
      await svc.pool.end();
    },
  };
}

describe('the relay with the outbox archive', () => {
  it('given a transaction that appended first and commits last, then events are published in commit order and leave the outbox', async () => {
    const s = await archivingService();
    const held = await s.pool.connect();
    try {
      const [early, later, last] = events(s.type, 3);
      await held.query('begin');
      await appendOutbox(held, [early!]);
      await append(s.pool, [later!]);
      await waitFor('the later commit handled', async () => (await s.handled()).length === 1);
      await held.query('commit');
      await append(s.pool, [last!]);
      await waitFor('all handled', async () => (await s.handled()).length === 3);
      assert.deepEqual(await s.handled(), [later!.id, early!.id, last!.id], 'handled in commit order');
      await waitFor('the outbox emptied', async () => (await s.inOutbox()) === 0);
      for (const e of [early!, later!, last!]) assert.equal(await s.archivedTimes(e.id), 1);
    } finally {
      held.release();
      await s.stop();
    }
  });

  // Two thousand events through a relay and a consumer: on a loaded machine (the whole suite running on two
  // cores) that takes well over the default wait, so this test waits longer rather than timing anything.
  it('given more moved events than RELAY_VACUUM_AFTER_ROWS, then the relay vacuums the outbox itself (its read does not walk the deleted rows)', {
    timeout: LONG_WAIT_MS * 2 + 60_000,
  }, async () => {
    const s = await archivingService();
    try {
      const vacuums = () =>
        s.pool
          .query<{ n: string }>(
            "select vacuum_count::text as n from pg_stat_user_tables where schemaname = current_schema() and relname = 'outbox'",
          )
          .then((r) => Number(r.rows[0]?.n ?? 0));
      const before = await vacuums();
      const list = events(s.type, RELAY_VACUUM_AFTER_ROWS + 10);
      for (let i = 0; i < list.length; i += 1_000) await append(s.pool, list.slice(i, i + 1_000));
      await waitFor('all handled', async () => (await s.handled()).length === list.length, LONG_WAIT_MS);
      await waitFor('a vacuum of the outbox counted', async () => (await vacuums()) > before, LONG_WAIT_MS);
      assert.equal(await s.inOutbox(), 0);
    } finally {
      await s.stop();
    }
  });

  it('given an archived event put back into the outbox (the runbook), then it is published again and absorbed', async () => {
    const s = await archivingService();
    try {
      const [e] = events(s.type, 1);
      await append(s.pool, [e!]);
      await waitFor('handled', async () => (await s.handled()).length === 1);
      await waitFor('archived', async () => (await s.archivedTimes(e!.id)) === 1);
      await s.pool.query(
        `insert into outbox (event_id, type, subject, envelope)
         select event_id, type, subject, envelope from outbox_published where event_id = $1`,
        [e!.id],
      );
      await waitFor('published again', async () => (await s.archivedTimes(e!.id)) === 2);
      assert.equal(await s.inOutbox(), 0);
      assert.deepEqual(await s.handled(), [e!.id], 'the inbox absorbed the second copy');
    } finally {
      await s.stop();
    }
  });
});
