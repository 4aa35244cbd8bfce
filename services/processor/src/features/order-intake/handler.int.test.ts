/**
 * Intake against real PostgreSQL: the handler as app.ts wires it, run in transactions as the consumer
 * runtime runs it (callbacks after commit, or instead of it), on a schema migrated exactly as at start.
 * The worker here is only its slots (infra/worker-slots.ts): a slot's run is recorded, not executed, so
 * what intake leaves in the database is all there is to see (infra/worker.int.test.ts runs attempts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { fixedClock } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { TestDatabase } from '@strongbox/postgres/testing';
import { intake, SERVICE } from '../../app.ts';
import {
  deliver,
  orderEvent,
  outboxOf,
  processorDatabase,
  recordingSlots,
  recordsOf,
} from '../../test-support.ts';
import { CONSUMED_EVENT_TYPES } from './handler.ts';

const LEASE_MS = 30_000;
const clock = fixedClock(new Date('2026-03-01T12:00:00.000Z'));
let db: TestDatabase;
let pool: Pool;

before(async () => {
  ({ db, pool } = await processorDatabase('processor_intake'));
});
after(async () => {
  await db?.drop();
});

/** Intake wired to a worker of `concurrency` slots whose runs and wake-ups are only recorded. */
function intakeWith(concurrency: number) {
  const { slots, runs, reserve } = recordingSlots(concurrency);
  let woken = 0;
  const handle = intake({
    clock,
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    leaseMs: LEASE_MS,
    reserveSlot: reserve,
    onReceived: () => {
      woken += 1;
    },
  });
  return { handle, slots, runs, woken: () => woken };
}

let orders = 0;
const nextOrder = () => `ord_${++orders}`;
const created = (orderId: string, data: Record<string, unknown> = {}) =>
  orderEvent(clock, 'orders.order.created', orderId, data);
const cancelled = (orderId: string) => orderEvent(clock, 'orders.order.cancelled', orderId);
const typesOf = async (orderId: string) => (await outboxOf(pool, orderId)).map((e) => e.type);

describe('order intake', () => {
  it('consumes the events of orders that are created or cancelled', () => {
    assert.deepEqual(CONSUMED_EVENT_TYPES, ['orders.order.created', 'orders.order.cancelled']);
  });

  it('given a free slot, when a created order is taken in, then its record is written claimed with its started event, and its attempt is handed to the worker only after commit', async () => {
    const w = intakeWith(2);
    const id = nextOrder();
    await deliver(pool, w.handle, [created(id)], async (tx) => {
      assert.equal(w.runs.length, 0, 'nothing runs before the commit');
      const { rows } = await tx.query('select status from processing where order_id = $1', [id]);
      assert.deepEqual(rows, [{ status: 'processing' }], 'the claim is in the consumer transaction');
    });
    const now = clock.now();
    const [r] = await recordsOf(pool, id);
    assert.deepEqual(
      { ...r, id: undefined },
      {
        id: undefined,
        status: 'processing',
        attempts: 1,
        last_error: null,
        next_attempt_at: new Date(now.getTime() + LEASE_MS),
        received_at: now,
        started_at: now,
        finished_at: null,
        updated_at: now,
      },
      'exactly as a claim leaves a record: attempt 1 begun, leased for PROCESSOR_LEASE_MS',
    );
    assert.deepEqual(await outboxOf(pool, id), [
      { type: 'processor.order.started', data: { orderId: id, processingId: r?.id } },
    ]);
    assert.equal(w.runs.length, 1);
    assert.deepEqual(
      { ...w.runs[0] },
      {
        id: r?.id,
        orderId: id,
        amountMinor: 2_500n,
        currency: 'EUR',
        description: 'a book',
        traceId: `trace-${id}`,
        status: 'processing',
        attempts: 1,
        lastError: null,
        receivedAt: now,
        startedAt: now,
        finishedAt: null,
      },
      'the worker gets the record as written, without reading it back',
    );
    assert.deepEqual([w.slots.held(), w.slots.running()], [0, 1], 'the attempt runs in the slot');
    assert.equal(w.woken(), 0, 'nobody is left to claim it');
  });

  it('given no free slot, when a created order is taken in, then its record is pending, without a started event, and the worker is woken after commit to claim it', async () => {
    const w = intakeWith(1);
    w.slots.hold()?.start();
    const id = nextOrder();
    await deliver(pool, w.handle, [created(id)]);
    assert.deepEqual(
      (await recordsOf(pool, id)).map((r) => [r.status, r.attempts, r.started_at]),
      [['pending', 0, null]],
    );
    assert.deepEqual(await typesOf(id), [], 'started is written by the claim that begins it');
    assert.equal(w.woken(), 1);
    assert.equal(w.runs.length, 0);
  });

  it('given the same order created twice under different event ids, in one batch and in a later one, then it has one record, one started event and one run, and the other slots are free again', async () => {
    const w = intakeWith(4);
    const id = nextOrder();
    await deliver(pool, w.handle, [created(id), created(id)]);
    await deliver(pool, w.handle, [created(id)]);
    assert.equal((await recordsOf(pool, id)).length, 1);
    assert.deepEqual(await typesOf(id), ['processor.order.started']);
    assert.equal(w.runs.length, 1);
    assert.deepEqual([w.slots.held(), w.slots.running()], [0, 1], 'the duplicates gave their slots back');
  });

  it('given the same order created under many event ids at once, in concurrent transactions, then exactly one of them writes it and starts it, and every other slot is free again', async () => {
    const w = intakeWith(16);
    const id = nextOrder();
    const copies = Array.from({ length: 8 }, () => created(id));
    assert.equal(new Set(copies.map((e) => e.id)).size, 8, 'every copy has its own event id');
    await Promise.all(copies.map((e) => deliver(pool, w.handle, [e])));
    assert.equal((await recordsOf(pool, id)).length, 1);
    assert.deepEqual(await typesOf(id), ['processor.order.started']);
    assert.equal(w.runs.length, 1);
    assert.deepEqual([w.slots.held(), w.slots.running()], [0, 1]);
  });

  it('given a transaction that rolls back after the claim, then nothing of it remains: no record, no event, no run, and the slot is free again', async () => {
    const w = intakeWith(1);
    const id = nextOrder();
    await assert.rejects(
      deliver(pool, w.handle, [created(id)], async () => {
        assert.equal(w.slots.free(), 0, 'the slot is held while the transaction runs');
        throw new Error('a later statement of the batch failed');
      }),
      /a later statement/,
    );
    assert.deepEqual(await recordsOf(pool, id), []);
    assert.deepEqual(await typesOf(id), []);
    assert.equal(w.runs.length, 0);
    assert.equal(w.slots.free(), 1);
    await deliver(pool, w.handle, [created(id)]);
    assert.equal(w.runs.length, 1, 'the redelivery claims it in the slot given back');
  });

  it('given more created orders at once than free slots, in concurrent transactions, then as many are claimed as there were slots and the rest wait pending', async () => {
    const w = intakeWith(3);
    const ids = Array.from({ length: 10 }, nextOrder);
    await Promise.all(ids.map((id) => deliver(pool, w.handle, [created(id)])));
    const statuses = await Promise.all(ids.map(async (id) => (await recordsOf(pool, id))[0]?.status));
    assert.equal(statuses.filter((s) => s === 'processing').length, 3);
    assert.equal(statuses.filter((s) => s === 'pending').length, 7);
    assert.deepEqual([w.slots.held(), w.slots.running()], [0, 3]);
    assert.equal(w.runs.length, 3);
    assert.equal(w.woken(), 7);
  });

  it('given a pending record, when its order is cancelled, then the record is cancelled and never processed', async () => {
    const w = intakeWith(1);
    w.slots.hold()?.start();
    const id = nextOrder();
    await deliver(pool, w.handle, [created(id)]);
    await deliver(pool, w.handle, [cancelled(id)]);
    assert.deepEqual(
      (await recordsOf(pool, id)).map((r) => r.status),
      ['cancelled'],
    );
  });

  it('given a record claimed at intake, when its order is cancelled, then processing goes on: it had begun', async () => {
    const w = intakeWith(1);
    const id = nextOrder();
    await deliver(pool, w.handle, [created(id)]);
    await deliver(pool, w.handle, [cancelled(id)]);
    assert.deepEqual(
      (await recordsOf(pool, id)).map((r) => [r.status, r.attempts]),
      [['processing', 1]],
    );
    assert.deepEqual(await typesOf(id), ['processor.order.started']);
  });

  it('given a cancellation that arrives first, when the creation follows, then the order stays cancelled and its slot is free again', async () => {
    const w = intakeWith(1);
    const id = nextOrder();
    await deliver(pool, w.handle, [cancelled(id)]);
    await deliver(pool, w.handle, [created(id)]);
    assert.deepEqual(
      (await recordsOf(pool, id)).map((r) => r.status),
      ['cancelled'],
    );
    assert.deepEqual(await typesOf(id), []);
    assert.equal(w.runs.length, 0);
    assert.equal(w.slots.free(), 1);
  });

  it('given an event that is not a valid order, when it is taken in, then it throws and records nothing', async () => {
    const w = intakeWith(1);
    const id = nextOrder();
    for (const bad of [{ amount: 0 }, { amount: 1.5 }, { currency: 7 }, { orderId: 42 }]) {
      await assert.rejects(deliver(pool, w.handle, [created(id, bad)]), /is not a valid order/);
    }
    assert.deepEqual(await recordsOf(pool, id), []);
    assert.equal(w.slots.free(), 1);
  });
});
