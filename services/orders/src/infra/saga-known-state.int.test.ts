/**
 * A drive's step written in one statement on the state the drive knows (ADR 0043), against real PostgreSQL
 * and the real balance: it writes what the locked path writes, in one statement instead of five; a stale
 * known state falls back to the lock and decides on the fresh one; and drives racing consumers' events on
 * the same orders never lose an update or write an event twice.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { ManualClock } from '@strongbox/kernel';
import { createPool, type Pool, withTransaction } from '@strongbox/postgres';
import { isTerminal, type Order } from '../domain/order.ts';
import type { Decision, SagaInput } from '../domain/saga.ts';
import { insertOrder } from './orders-sql.ts';
import {
  type Customer,
  type OrdersInstance,
  orderOf,
  outboxOf,
  PROCESSING_TIMEOUT_MS,
  placeOrder,
  type SagaHarness,
  startSagaHarness,
  testClock,
  waitFor,
} from './saga-test-support.ts';

const AMOUNT = 100;
const BOUNDED = { timeout: 300_000 };
/** Orders raced at once in a round, and rounds: every order races a drive against two consumer events. */
const RACE_ORDERS = 8;
const RACE_ROUNDS = 4;
/** What one step costs on the locked path: BEGIN, select … for update, update, outbox insert, COMMIT. */
const LOCKED_STEP_STATEMENTS = 5;

let h: SagaHarness;
before(async () => {
  h = await startSagaHarness();
});
after(async () => {
  await h?.close();
});

interface Scenario {
  readonly schema: string;
  readonly clock: ManualClock;
  readonly orders: OrdersInstance;
  readonly customer: Customer;
  /** A pool of the test's own, so that reading the order is not counted among the instance's statements. */
  readonly reader: Pool;
}

async function scenario(
  t: TestContext,
  opts: { clock?: ManualClock; funds?: number } = {},
): Promise<Scenario> {
  const schema = await h.ordersSchema();
  const clock = opts.clock ?? testClock();
  const orders = await h.instance({ schema, clock });
  const reader = createPool({ url: h.db.url, schema, sizeMax: 2, onError: () => undefined });
  t.after(async () => {
    await orders.close();
    await reader.end();
  });
  return { schema, clock, orders, reader, customer: await h.customer(opts.funds ?? 100_000) };
}

/** The statements `fn` made the instance send. */
async function counted(s: Scenario, fn: () => Promise<unknown>): Promise<number> {
  const before = s.orders.statements();
  await fn();
  return s.orders.statements() - before;
}

/** As the consumer's handler does: the input in a transaction under the row lock, then a kick once committed. */
async function consume(s: Scenario, id: string, input: SagaInput): Promise<Decision | undefined> {
  const d = await withTransaction(s.orders.pool, (tx) => s.orders.saga.applyIn(tx, id, input));
  if (d?.kind === 'changed') await s.orders.saga.drive(id, d.order);
  return d;
}

async function settled(s: Scenario, id: string): Promise<Order> {
  await waitFor(`order ${id} to end`, async () =>
    isTerminal((await orderOf(s.reader, id)).status) ? true : undefined,
  );
  await s.orders.saga.drive(id);
  return orderOf(s.reader, id);
}

/** The outbox rows of an order as appended, with each event's own id checked and left out. */
async function outboxRows(pool: Pool, orderId: string) {
  const { rows } = await pool.query<{
    event_id: string;
    type: string;
    subject: string;
    envelope: { id: string };
  }>('select event_id, type, subject, envelope from outbox where subject = $1 order by position', [orderId]);
  return rows.map(({ event_id, envelope, ...row }) => {
    assert.equal(envelope.id, event_id);
    const { id: _id, ...rest } = envelope;
    return { ...row, envelope: rest };
  });
}

async function transferStatus(c: Customer, id: string): Promise<string> {
  const res = await c.api.get(`/v1/transfers/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.status;
}

const statuses = (o: Order) => o.history.map((e) => e.status);

describe('a drive writes a step on the state it knows', () => {
  it(
    'given a pending order the drive knows, when it records the hold, then it sends one statement and writes exactly the order and event the locked path writes',
    BOUNDED,
    async (t) => {
      const clock = testClock();
      const a = await scenario(t, { clock });
      const b = await scenario(t, { clock });
      const o = await placeOrder(a.orders.pool, clock, a.customer, AMOUNT);
      await insertOrder(b.orders.pool, o);

      assert.equal(
        await counted(a, () => a.orders.saga.drive(o.id, o)),
        1,
        'one statement, no BEGIN or COMMIT',
      );
      const held = await orderOf(a.reader, o.id);
      assert.equal(held.status, 'reserved');
      const transferId = held.holdTransferId as string;
      const locked = await counted(b, () => b.orders.saga.apply(o.id, { kind: 'hold_placed', transferId }));
      assert.equal(locked, LOCKED_STEP_STATEMENTS);

      assert.deepEqual(await orderOf(b.reader, o.id), held);
      assert.equal(held.version, 1);
      const events = await outboxRows(a.reader, o.id);
      assert.deepEqual(
        events.map((e) => e.type),
        ['orders.order.created'],
      );
      assert.deepEqual(events, await outboxRows(b.reader, o.id));
    },
  );

  it(
    'given a stale known state (a cancel was committed since), when the drive records the hold, then it decides again on the fresh state under the lock and writes nothing the stale state decided',
    BOUNDED,
    async (t) => {
      const s = await scenario(t);
      const o = await placeOrder(s.orders.pool, s.clock, s.customer, AMOUNT);
      assert.equal((await s.orders.saga.apply(o.id, { kind: 'cancel_requested' }))?.kind, 'changed');
      assert.equal((await orderOf(s.reader, o.id)).version, 1);

      await s.orders.saga.drive(o.id, o);

      const done = await orderOf(s.reader, o.id);
      // On the stale state the hold would have reserved the order and announced orders.order.created.
      assert.equal(done.status, 'cancelled');
      assert.deepEqual(statuses(done), ['pending', 'cancelled']);
      assert.equal(done.failureReason, 'cancelled_by_customer');
      assert.equal(await transferStatus(s.customer, done.holdTransferId as string), 'voided');
      assert.deepEqual(
        (await outboxOf(s.reader, o.id)).map((e) => e.type),
        ['orders.order.cancelled'],
      );
      assert.equal(done.version, 3, 'the cancel, the hold recorded under the lock, the release');
    },
  );

  it(
    'given drives and consumer events racing on the same orders many times, then no update is lost and no event is written twice',
    BOUNDED,
    async (t) => {
      const s = await scenario(t);
      const outcomes = { completed: 0, timedOut: 0, startedApplied: 0 };
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const placed = await Promise.all(
          Array.from({ length: RACE_ORDERS }, () => placeOrder(s.orders.pool, s.clock, s.customer, AMOUNT)),
        );
        await Promise.all(placed.map((o) => s.orders.saga.drive(o.id, o)));
        const reserved = await Promise.all(placed.map((o) => orderOf(s.reader, o.id)));
        assert.ok(reserved.every((o) => o.status === 'reserved'));
        // Past every deadline: each drive now releases its order, unless an outcome is recorded first.
        s.clock.advance(PROCESSING_TIMEOUT_MS);

        const raced = await Promise.all(
          reserved.map(async (o, i) => {
            let started: Decision | undefined;
            let processed: Decision | undefined;
            const racers = [
              () => s.orders.saga.drive(o.id, o),
              async () => {
                started = await consume(s, o.id, { kind: 'processing_started' });
              },
              async () => {
                processed = await consume(s, o.id, { kind: 'processed', outcome: 'completed' });
              },
            ];
            // Each racer is sent first in some of the races.
            const first = (i + round) % racers.length;
            await Promise.all([...racers.slice(first), ...racers.slice(0, first)].map((race) => race()));
            return { o, started, processed };
          }),
        );

        for (const { o, started, processed } of raced) {
          const done = await settled(s, o.id);
          const history = statuses(done);
          assert.equal(new Set(history).size, history.length, `no status twice: ${history}`);
          if (started?.kind === 'changed')
            assert.ok(history.includes('processing'), 'the start was not lost');
          const types = (await outboxOf(s.reader, o.id)).map((e) => e.type);
          const hold = await transferStatus(s.customer, done.holdTransferId as string);
          if (processed?.kind === 'changed') {
            // The outcome was recorded first: the drive's release, decided on an older state, was not written.
            assert.equal(done.status, 'completed', `the recorded outcome was lost: ${history}`);
            assert.deepEqual(types, ['orders.order.created', 'orders.order.completed']);
            assert.equal(hold, 'posted');
            outcomes.completed += 1;
          } else {
            assert.equal(processed?.kind, 'ignored');
            assert.deepEqual([done.status, done.failureReason], ['failed', 'processing_timeout']);
            assert.deepEqual(types, ['orders.order.created', 'orders.order.failed']);
            assert.equal(hold, 'voided');
            outcomes.timedOut += 1;
          }
          if (started?.kind === 'changed') outcomes.startedApplied += 1;
        }
      }
      t.diagnostic(`race outcomes: ${JSON.stringify(outcomes)}`);
      const wallet = await s.customer.api.get(`/v1/accounts/${s.customer.accountId}`);
      assert.equal(wallet.body.held, 0);
      assert.equal(wallet.body.balance, 100_000 - outcomes.completed * AMOUNT);
    },
  );

  it(
    'given a consumer holding the order locked with an outcome, when the drive writes its release meanwhile, then its write waits, finds the order changed and the outcome stands',
    BOUNDED,
    async (t) => {
      const s = await scenario(t);
      const o = await placeOrder(s.orders.pool, s.clock, s.customer, AMOUNT);
      await s.orders.saga.drive(o.id, o);
      const reserved = await orderOf(s.reader, o.id);
      s.clock.advance(PROCESSING_TIMEOUT_MS);

      let drive: Promise<void> | undefined;
      let decided: Decision | undefined;
      await withTransaction(s.orders.pool, async (tx) => {
        decided = await s.orders.saga.applyIn(tx, o.id, { kind: 'processed', outcome: 'completed' });
        drive = s.orders.saga.drive(o.id, reserved);
        await waitFor('the drive to wait for the row lock', async () => {
          const { rows } = await s.reader.query(
            `select 1 from pg_stat_activity
              where application_name = $1 and wait_event_type = 'Lock' and query like '%update orders%'`,
            [s.schema],
          );
          return rows.length > 0 ? true : undefined;
        });
      });
      await drive;
      assert.equal(decided?.kind, 'changed');
      if (decided?.kind === 'changed') await s.orders.saga.drive(o.id, decided.order);

      const done = await settled(s, o.id);
      assert.equal(done.status, 'completed');
      assert.deepEqual(statuses(done), ['pending', 'reserved', 'processing', 'completed']);
      assert.deepEqual(
        (await outboxOf(s.reader, o.id)).map((e) => e.type),
        ['orders.order.created', 'orders.order.completed'],
      );
      assert.equal(await transferStatus(s.customer, done.holdTransferId as string), 'posted');
    },
  );

  it(
    'given an order placed through the API, then each step of its saga costs the statements counted here',
    BOUNDED,
    async (t) => {
      const s = await scenario(t);
      const post = () =>
        s.orders.app.inject({
          method: 'POST',
          url: '/v1/orders',
          headers: { authorization: `Bearer ${s.customer.token}`, 'idempotency-key': randomUUID() },
          payload: {
            accountId: s.customer.accountId,
            merchantAccountId: s.customer.merchantAccountId,
            amount: AMOUNT,
            currency: 'EUR',
          },
        });
      let id = '';
      // The answer comes once the order is committed; the hold is recorded by the drive it kicks.
      const created = await counted(s, async () => {
        const res = await post();
        assert.equal(res.statusCode, 201, res.body);
        id = res.json().id;
        await waitFor('the hold', async () =>
          (await orderOf(s.reader, id)).status === 'reserved' ? true : undefined,
        );
      });
      const started = await counted(s, () => consume(s, id, { kind: 'processing_started' }));
      const processed = await counted(s, async () => {
        await consume(s, id, { kind: 'processed', outcome: 'completed' });
        assert.equal((await orderOf(s.reader, id)).status, 'completed');
      });
      t.diagnostic(
        `statements: created and held ${created}, started ${started}, processed and captured ${processed}`,
      );
      // Create: the key and the order in one statement; the hold: one guarded write.
      assert.equal(created, 1 + 1);
      // The consumer's transaction (here without the runtime's own inbox work): BEGIN, lock, update, COMMIT.
      assert.equal(started, 4);
      // The same, then the capture as one guarded write.
      assert.equal(processed, 4 + 1);
    },
  );
});
