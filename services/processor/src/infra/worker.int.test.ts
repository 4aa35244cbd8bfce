/**
 * The worker against real PostgreSQL, with intake as app.ts wires it: an order claimed at intake runs in
 * the slot intake held and finishes in one statement (ADR 0044); more orders than slots never run more
 * attempts than slots, however the intakes and the worker's claims interleave; a retry reports nothing
 * and is claimed again. Steps are gated by the test (nothing waits on a duration), and clocks are manual.
 * Leases that end and are taken over: takeover.int.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Clock, fixedClock } from '@strongbox/kernel';
import { createPool } from '@strongbox/postgres';
import { SERVICE } from '../app.ts';
import {
  countingPool,
  deliver,
  doneStep,
  gatedStep,
  idle,
  orderEvent,
  recordsOf,
  statusOf,
  typesOf,
  waitFor,
  workerHarness,
} from '../test-support.ts';
import { CLAIM_SHARE_OF_FREE_SLOTS } from './worker.ts';

const LEASE_MS = 60_000;
const T0 = new Date('2026-03-01T12:00:00.000Z');
/** Long enough that no poll happens during a test that counts statements or must not claim on its own. */
const NEVER_MS = 3_600_000;

const { afterTest, database, processor } = workerHarness('processor_worker', LEASE_MS);

const created = (clock: Clock, orderId: string) => orderEvent(clock, 'orders.order.created', orderId);

describe('processing worker', () => {
  it('given a free slot, when an order is taken in, then it is claimed, run and finished in four round trips: BEGIN, the claimed insert with its started event, COMMIT, and the finish with its processed event', async () => {
    const { pool: plain } = await database();
    const { pool, sent } = countingPool(plain);
    const clock = fixedClock(T0);
    const p = processor(pool, { clock, step: doneStep, concurrency: 4, pollMs: NEVER_MS });
    await idle(p.worker);
    sent.length = 0;

    await deliver(pool, p.handle, [created(clock, 'ord_1')]);
    await waitFor('the order to complete', async () => (await statusOf(plain, 'ord_1')) === 'completed');
    await idle(p.worker);

    assert.deepEqual(
      sent.map((q) => q.trim().split(/\s+/).slice(0, 3).join(' ')),
      ['begin isolation level', 'with received as', 'commit', 'with finished as'],
      'no claim, no second transaction: the record is written once and updated once',
    );
    assert.deepEqual(await typesOf(plain, 'ord_1'), ['processor.order.started', 'processor.order.processed']);
    assert.deepEqual(
      (await recordsOf(plain, 'ord_1')).map((r) => [r.attempts, r.finished_at]),
      [[1, T0]],
    );
    assert.deepEqual(p.started, { intake: 1, claim: 0 });
  });

  it('given more orders at once than free slots, when they are taken in while attempts run, then never more attempts run than slots, and every order is processed exactly once', async () => {
    const { pool } = await database();
    const clock = fixedClock(T0);
    const gate = gatedStep();
    // No polls: every claim here is one that an intake's wake-up asked for, racing with other intakes,
    // and every order must still be taken without a poll to fall back on.
    const p = processor(pool, { clock, step: gate.step, concurrency: 3, pollMs: NEVER_MS });
    await idle(p.worker);
    const ids = Array.from({ length: 24 }, (_, i) => `ord_${i}`);

    // A first wave, every order in its own transaction at once: three are claimed at intake.
    await Promise.all(ids.slice(0, 12).map((id) => deliver(pool, p.handle, [created(clock, id)])));
    await waitFor('three attempts in hand', () => gate.waiting.length === 3);
    const statuses = await Promise.all(ids.slice(0, 12).map((id) => statusOf(pool, id)));
    assert.equal(statuses.filter((s) => s === 'pending').length, 9, 'the others wait for a claim');
    // A second wave arrives while slots free up and the worker claims the pending ones.
    const second = Promise.all(ids.slice(12).map((id) => deliver(pool, p.handle, [created(clock, id)])));
    const completed = async () =>
      (
        await pool.query<{ n: number }>(
          "select count(*)::int as n from processing where status = 'completed'",
        )
      ).rows[0]?.n === ids.length;
    await waitFor('every order to complete', async () => {
      gate.openAll();
      return completed();
    });
    await second;

    assert.ok(gate.inFlightMax() <= 3, `at most 3 attempts at once (saw ${gate.inFlightMax()})`);
    for (const id of ids) {
      assert.deepEqual(
        await typesOf(pool, id),
        ['processor.order.started', 'processor.order.processed'],
        `${id}: started once, processed once`,
      );
      assert.equal((await recordsOf(pool, id))[0]?.attempts, 1, `${id}: one attempt`);
    }
    assert.equal(p.started.intake + p.started.claim, ids.length);
    assert.ok(p.started.intake >= 3 && p.started.claim >= 9, JSON.stringify(p.started));
  });

  it('given an attempt that fails transiently, when it is retried, then the retry writes no event, and the next attempt is claimed by the worker and processed once', async () => {
    const { pool } = await database();
    const gate = gatedStep();
    // No polls: a poll's claim holds every free slot while it runs, and intake would then leave the order
    // pending. The test wakes the worker where a poll would have.
    const p = processor(pool, { clock: fixedClock(T0), step: gate.step, concurrency: 2, pollMs: NEVER_MS });
    await idle(p.worker);
    await deliver(pool, p.handle, [created(fixedClock(T0), 'ord_retry')]);
    await waitFor('the first attempt in hand', () => gate.waiting.length === 1);
    gate.openAll({ kind: 'transient', error: 'the provider timed out' });
    await waitFor('the retry recorded', async () => (await statusOf(pool, 'ord_retry')) === 'pending');
    const [pending] = await recordsOf(pool, 'ord_retry');
    assert.deepEqual([pending?.attempts, pending?.last_error], [1, 'the provider timed out']);
    assert.deepEqual(pending?.next_attempt_at, T0, 'due at once (no jitter)');
    assert.deepEqual(
      await typesOf(pool, 'ord_retry'),
      ['processor.order.started'],
      'a retry reports nothing',
    );
    p.worker.wake();
    await waitFor('the retry in hand', () => gate.waiting.length === 1);
    assert.equal(gate.waiting[0]?.attempt, 2);
    gate.openAll();
    await waitFor('the order to complete', async () => (await statusOf(pool, 'ord_retry')) === 'completed');
    assert.deepEqual(await typesOf(pool, 'ord_retry'), [
      'processor.order.started',
      'processor.order.processed',
    ]);
    assert.deepEqual(p.started, { intake: 1, claim: 1 });
  });

  it('given a claim of the worker in flight, when an order comes in meanwhile, then intake still finds a slot and claims it: a claim holds only a share of the free slots', async () => {
    const { db, pool } = await database();
    // The worker's own pool has one connection, which the test holds: its claim waits for it, in flight.
    const workerPool = createPool({ url: db.url, schema: SERVICE, sizeMax: 1, onError: () => undefined });
    afterTest(() => workerPool.end());
    const held = await workerPool.connect();
    const gate = gatedStep();
    const p = processor(workerPool, {
      clock: fixedClock(T0),
      step: gate.step,
      concurrency: 4,
      pollMs: NEVER_MS,
    });
    assert.equal(CLAIM_SHARE_OF_FREE_SLOTS, 0.5);
    assert.equal(p.worker.busySlots(), 2, 'the first claim holds half of the four slots while it waits');

    // Intake runs on the consumer's pool, as in a service where the pool is shared but not exhausted.
    await deliver(pool, p.handle, [created(fixedClock(T0), 'ord_meanwhile')]);
    assert.deepEqual(
      (await recordsOf(pool, 'ord_meanwhile')).map((r) => [r.status, r.attempts]),
      [['processing', 1]],
      'claimed at intake, not left pending for the claim',
    );
    assert.deepEqual(p.started, { intake: 1, claim: 0 });
    await waitFor('the attempt in hand', () => gate.waiting.length === 1);
    assert.equal(p.worker.busySlots(), 3);

    held.release();
    await waitFor('the claim to end, finding nothing due', () => p.worker.busySlots() === 1);
    gate.openAll();
    await waitFor(
      'the order to complete',
      async () => (await statusOf(pool, 'ord_meanwhile')) === 'completed',
    );
    assert.deepEqual(p.started, { intake: 1, claim: 0 });
  });

  it('given a worker that stopped, when an order is taken in, then no slot is held for it and it is left pending', async () => {
    const { pool } = await database();
    const p = processor(pool, { clock: fixedClock(T0), step: doneStep, concurrency: 2 });
    await p.worker.stop();
    assert.equal(p.worker.reserve(), undefined);
    await deliver(pool, p.handle, [created(fixedClock(T0), 'ord_stopped')]);
    assert.deepEqual(
      (await recordsOf(pool, 'ord_stopped')).map((r) => [r.status, r.attempts]),
      [['pending', 0]],
    );
    assert.deepEqual(await typesOf(pool, 'ord_stopped'), []);
  });
});
