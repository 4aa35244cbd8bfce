/**
 * The relay's reading of the outbox: commit order, late commits, rollbacks, wake-ups, and several
 * instances. It runs on the PostgreSQL transport; what it reads does not depend on the transport.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '@strongbox/kernel';
import { appendOutbox, createPool, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { startConsumer } from './consumer.ts';
import { postgresTransport } from './postgres-transport.ts';
import { type Relay, startRelay } from './relay.ts';
import { append, effects, events, serviceSchema, silent, TEST_LEASE_MS, unique, waitFor } from './testing.ts';
import type { Transport } from './transport.ts';

/** Long enough that only a notification can explain a prompt delivery. */
const NO_POLL_MS = 60_000;

let db: TestDatabase;
let transportPool: Pool;
let transport: Transport;
before(async () => {
  db = await createTestDatabase('relay');
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

/** A service schema with one consumer (concurrency 1, so handling order is delivery order). */
async function service() {
  const svc = await serviceSchema(db.url);
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
  const relays: Relay[] = [];
  const relay = async (pollMs = NO_POLL_MS) => {
    const r = await startRelay({
      pool: svc.pool,
      schema: svc.schema,
      transport,
      logger: silent,
      clock: systemClock,
      pollMs,
      leaderRetryMs: 100,
    });
    relays.push(r);
    return r;
  };
  return {
    ...svc,
    type,
    name,
    relay,
    handled: () => effects(svc.pool, name),
    async stop() {
      for (const r of relays) await r.stop();
      await consumer.stop();
      await svc.pool.end();
    },
  };
}

describe('the relay', () => {
  it('given a transaction that appended first and commits last, then later commits are published without waiting for it, and it is published when it commits (commit order)', async () => {
    const s = await service();
    const held = await s.pool.connect();
    try {
      await s.relay();
      const [early, later, last] = events(s.type, 3);
      await held.query('begin');
      await appendOutbox(held, [early!]);
      await append(s.pool, [later!]);
      await waitFor(
        'the later commit published while the earlier transaction is open',
        async () => (await s.handled()).length === 1,
      );
      assert.deepEqual(await s.handled(), [later!.id]);
      await held.query('commit');
      await append(s.pool, [last!]);
      await waitFor('the late commit published too', async () => (await s.handled()).length === 3);
      assert.deepEqual(await s.handled(), [later!.id, early!.id, last!.id], 'handled in commit order');
    } finally {
      held.release();
      await s.stop();
    }
  });

  it('given a transaction that appended and rolled back, then nothing of it is published and later events are not held up', async () => {
    const s = await service();
    const held = await s.pool.connect();
    try {
      await s.relay();
      const [rolledBack, after1, after2] = events(s.type, 3);
      await held.query('begin');
      await appendOutbox(held, [rolledBack!]);
      await append(s.pool, [after1!]);
      await held.query('rollback');
      await append(s.pool, [after2!]);
      await waitFor('both committed events handled', async () => (await s.handled()).length === 2);
      assert.deepEqual(await s.handled(), [after1!.id, after2!.id]);
      const { rows } = await s.pool.query('select event_id from outbox order by position');
      assert.deepEqual(
        rows.map((r) => r.event_id),
        [after1!.id, after2!.id],
      );
    } finally {
      held.release();
      await s.stop();
    }
  });

  it('given notifications are off, then the poll still finds new events', async () => {
    const s = await service();
    try {
      await s.pool.query('alter table outbox disable trigger outbox_notify');
      await s.relay(50);
      const list = events(s.type, 3);
      await append(s.pool, list);
      await waitFor('events found by polling', async () => (await s.handled()).length === 3);
    } finally {
      await s.stop();
    }
  });

  it('given two relays, then one leads, order is kept, and the other takes over when the leader dies', async () => {
    const s = await service();
    try {
      const a = await s.relay();
      const b = await s.relay();
      const leader = await waitFor('a leader', async () => (a.leading ? a : b.leading ? b : undefined));
      const standby = leader === a ? b : a;
      assert.equal(standby.leading, false, 'exactly one leads');

      const first = [0, 1, 2, 3].map((i) => events(s.type, 5, i * 5));
      for (const batch of first) await append(s.pool, batch);
      await waitFor('the first events handled', async () => (await s.handled()).length === 20);
      assert.deepEqual(
        await s.handled(),
        first.flat().map((e) => e.id),
        'in order',
      );

      await s.pool.query('select pg_terminate_backend($1, 5000)', [leader.backendPid]);
      await waitFor('the standby to lead', async () => standby.leading);
      const second = events(s.type, 5, 20);
      await append(s.pool, second);
      await waitFor('the later events handled', async () => (await s.handled()).length === 25);
      assert.deepEqual(
        await s.handled(),
        [...first.flat(), ...second].map((e) => e.id),
      );
    } finally {
      await s.stop();
    }
  });

  it('refuses to start on a schema without an outbox, or on a pool of another schema', async () => {
    const schema = unique('empty_');
    const pool = createPool({ url: db.url, schema, sizeMax: 1, onError: () => undefined });
    try {
      await pool.query(`create schema ${schema}`);
      await assert.rejects(
        startRelay({ pool, schema, transport, logger: silent, clock: systemClock }),
        /outbox is missing; apply POSTGRES_MODULES.outbox/,
      );
      await assert.rejects(
        startRelay({ pool, schema: 'balance', transport, logger: silent, clock: systemClock }),
        new RegExp(`the pool's schema is ${schema}, not balance`),
      );
    } finally {
      await pool.end();
    }
  });
});
