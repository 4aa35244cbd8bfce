/**
 * Leases against real PostgreSQL: a process that dies right after its intake claimed an order and
 * committed leaves a lease that another worker takes over when it ends, as the next attempt, exactly once;
 * and the late finish of an attempt that was taken over is discarded and writes no event, whether the
 * takeover finished before it or not. The dying process is a real one (fixtures/die-after-intake.ts,
 * killed with SIGKILL). A lease "ends" because the test gives the next worker a clock past it, not because
 * time passed; steps are gated by the test.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { type Clock, fixedClock } from '@strongbox/kernel';
import {
  deliver,
  doneStep,
  gatedStep,
  idle,
  orderEvent,
  outboxOf,
  recordsOf,
  statusOf,
  typesOf,
  waitFor,
  workerHarness,
} from '../test-support.ts';
import { claimDue } from './records-sql.ts';

const FIXTURE = new URL('./fixtures/die-after-intake.ts', import.meta.url).pathname;
const LEASE_MS = 60_000;
const T0 = new Date('2026-03-01T12:00:00.000Z');
/** Long enough that no poll happens during a test that counts statements or must not claim on its own. */
const NEVER_MS = 3_600_000;

const { database, processor } = workerHarness('processor_takeover', LEASE_MS);

const created = (clock: Clock, orderId: string) => orderEvent(clock, 'orders.order.created', orderId);

describe('processing leases', () => {
  it('given a process that dies right after its intake claimed an order and committed, when its lease ends, then another worker takes the order over and processes it exactly once', async () => {
    const { db, pool } = await database();
    const child = spawn(process.execPath, [FIXTURE, db.url, 'ord_dies', String(LEASE_MS)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    assert.deepEqual(
      exit,
      { code: null, signal: 'SIGKILL' },
      'the process died as its attempt was handed over',
    );
    const [claimed] = await recordsOf(pool, 'ord_dies');
    assert.ok(claimed);
    assert.deepEqual([claimed.status, claimed.attempts], ['processing', 1], 'claimed at intake, committed');
    assert.deepEqual(await typesOf(pool, 'ord_dies'), ['processor.order.started']);
    const leaseEnd = claimed.next_attempt_at;
    assert.equal(leaseEnd.getTime() - claimed.received_at.getTime(), LEASE_MS);

    // Until the lease ends, no claim takes it (looked at in a transaction that is rolled back).
    const look = await pool.connect();
    try {
      await look.query('begin');
      const before = new Date(leaseEnd.getTime() - 1);
      assert.deepEqual(await claimDue(look, before, new Date(before.getTime() + LEASE_MS), 10), []);
    } finally {
      await look.query('rollback');
      look.release();
    }

    const clock = fixedClock(leaseEnd);
    const other = processor(pool, { clock, step: doneStep, concurrency: 2 });
    await waitFor('the order to complete', async () => (await statusOf(pool, 'ord_dies')) === 'completed');
    assert.equal((await recordsOf(pool, 'ord_dies'))[0]?.attempts, 2, 'the takeover was the next attempt');
    assert.deepEqual(
      await typesOf(pool, 'ord_dies'),
      ['processor.order.started', 'processor.order.processed'],
      'started once (the takeover is not a start), processed once',
    );
    assert.deepEqual(other.started, { intake: 0, claim: 1 });
  });

  it('given an attempt claimed at intake whose lease ended and was taken over and finished, when the old attempt finishes late, then its finish is discarded and writes no event', async () => {
    const { pool } = await database();
    const gate = gatedStep();
    const warnings: string[] = [];
    const first = processor(pool, {
      clock: fixedClock(T0),
      step: gate.step,
      concurrency: 1,
      pollMs: NEVER_MS,
      warnings,
    });
    await idle(first.worker);
    await deliver(pool, first.handle, [created(fixedClock(T0), 'ord_late')]);
    await waitFor('the first attempt in hand', () => gate.waiting.length === 1);

    const later = fixedClock(new Date(T0.getTime() + LEASE_MS));
    processor(pool, { clock: later, step: doneStep, concurrency: 1 });
    await waitFor('the takeover to complete', async () => (await statusOf(pool, 'ord_late')) === 'completed');
    gate.openAll({ kind: 'permanent', error: 'the late attempt failed' });
    await idle(first.worker);

    const [r] = await recordsOf(pool, 'ord_late');
    assert.deepEqual(
      [r?.status, r?.attempts, r?.last_error, r?.finished_at],
      ['completed', 2, null, later.now()],
    );
    assert.deepEqual(await outboxOf(pool, 'ord_late'), [
      { type: 'processor.order.started', data: { orderId: 'ord_late', processingId: r?.id } },
      {
        type: 'processor.order.processed',
        data: { orderId: 'ord_late', processingId: r?.id, status: 'completed' },
      },
    ]);
    assert.deepEqual(warnings, ['attempt was taken over by another worker; its result is discarded']);
  });

  it('given an attempt taken over while the takeover still runs, when the old attempt finishes first, then its finish is discarded and only the takeover’s outcome is recorded', async () => {
    const { pool } = await database();
    const old = gatedStep();
    const takeover = gatedStep();
    const first = processor(pool, {
      clock: fixedClock(T0),
      step: old.step,
      concurrency: 1,
      pollMs: NEVER_MS,
    });
    await idle(first.worker);
    await deliver(pool, first.handle, [created(fixedClock(T0), 'ord_both')]);
    await waitFor('the first attempt in hand', () => old.waiting.length === 1);
    processor(pool, {
      clock: fixedClock(new Date(T0.getTime() + LEASE_MS)),
      step: takeover.step,
      concurrency: 1,
    });
    await waitFor('the takeover in hand', () => takeover.waiting.length === 1);
    assert.equal(takeover.waiting[0]?.attempt, 2);

    old.openAll({ kind: 'done' });
    await idle(first.worker);
    assert.deepEqual(
      (await recordsOf(pool, 'ord_both')).map((r) => [r.status, r.attempts]),
      [['processing', 2]],
      'the old finish changed nothing',
    );
    assert.deepEqual(await typesOf(pool, 'ord_both'), ['processor.order.started']);

    takeover.openAll({ kind: 'permanent', error: 'cannot be fulfilled' });
    await waitFor('the takeover to finish', async () => (await statusOf(pool, 'ord_both')) === 'failed');
    const events = await outboxOf(pool, 'ord_both');
    assert.deepEqual(
      events.map((e) => [e.type, e.data['status']]),
      [
        ['processor.order.started', undefined],
        ['processor.order.processed', 'failed'],
      ],
    );
  });
});
