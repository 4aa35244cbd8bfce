/**
 * Intake against real PostgreSQL: the handler as app.ts wires it, run in transactions as the consumer
 * runs it, on a schema migrated exactly as at start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { type CloudEvent, cloudEvent, fixedClock } from '@strongbox/kernel';
import { migrate, type Pool, withTransaction } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { intake, MIGRATIONS, SERVICE } from '../../app.ts';
import { CONSUMED_EVENT_TYPES } from './handler.ts';

const clock = fixedClock(new Date('2026-03-01T12:00:00.000Z'));
let db: TestDatabase;
let pool: Pool;
let woken = 0;
const handle = intake({
  clock,
  logger: createLogger({ service: SERVICE, level: 'silent' }),
  onReceived: () => {
    woken += 1;
  },
});

before(async () => {
  db = await createTestDatabase('processor_intake');
  pool = db.pool(SERVICE);
  await migrate(pool, MIGRATIONS);
});
after(async () => {
  await db?.drop();
});

let orders = 0;
const orderEvent = (type: string, orderId: string, data: Record<string, unknown> = {}) =>
  cloudEvent(
    {
      service: 'orders',
      type,
      subject: orderId,
      data: { orderId, amount: 2_500, currency: 'EUR', description: 'a book', ...data },
      traceId: 'trace-intake',
    },
    clock,
  );

/** Runs the handler as the consumer does; answers how often it woke the worker once committed. */
async function deliver(event: CloudEvent): Promise<number> {
  const committed: Array<() => void> = [];
  const before = woken;
  await withTransaction(pool, (tx) => handle(tx, event, (fn) => committed.push(fn)));
  for (const fn of committed) fn();
  return woken - before;
}

async function recordOf(orderId: string) {
  const { rows } = await pool.query<{ status: string; amount: string; currency: string; trace_id: string }>(
    'select status, amount::text, currency, trace_id from processing where order_id = $1',
    [orderId],
  );
  return rows;
}

describe('order intake', () => {
  it('consumes the events of orders that are created or cancelled', () => {
    assert.deepEqual(CONSUMED_EVENT_TYPES, ['orders.order.created', 'orders.order.cancelled']);
  });

  it('given a created order, when it is taken in, then it has a pending record and the worker is woken after commit', async () => {
    const id = `ord_${++orders}`;
    assert.equal(await deliver(orderEvent('orders.order.created', id)), 1);
    assert.deepEqual(await recordOf(id), [
      { status: 'pending', amount: '2500', currency: 'EUR', trace_id: 'trace-intake' },
    ]);
  });

  it('given the same order created twice under different event ids, when both are taken in, then it has one record', async () => {
    const id = `ord_${++orders}`;
    assert.equal(await deliver(orderEvent('orders.order.created', id)), 1);
    assert.equal(await deliver(orderEvent('orders.order.created', id)), 0, 'a duplicate wakes nobody');
    assert.equal((await recordOf(id)).length, 1);
  });

  it('given a pending record, when its order is cancelled, then the record is cancelled and never processed', async () => {
    const id = `ord_${++orders}`;
    await deliver(orderEvent('orders.order.created', id));
    assert.equal(await deliver(orderEvent('orders.order.cancelled', id)), 0);
    assert.deepEqual(
      (await recordOf(id)).map((r) => r.status),
      ['cancelled'],
    );
  });

  it('given a cancellation that arrives first, when the creation follows, then the order stays cancelled', async () => {
    const id = `ord_${++orders}`;
    await deliver(orderEvent('orders.order.cancelled', id));
    assert.equal(await deliver(orderEvent('orders.order.created', id)), 0);
    assert.deepEqual(
      (await recordOf(id)).map((r) => r.status),
      ['cancelled'],
    );
  });

  it('given an event that is not a valid order, when it is taken in, then it throws and records nothing', async () => {
    const id = `ord_${++orders}`;
    for (const bad of [{ amount: 0 }, { amount: 1.5 }, { currency: 7 }, { orderId: 42 }]) {
      await assert.rejects(deliver(orderEvent('orders.order.created', id, bad)), /is not a valid order/);
    }
    assert.deepEqual(await recordOf(id), []);
  });
});
