import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Order } from './order.ts';
import { type Decision, decide, nextAction, type SagaInput } from './saga.ts';

const T0 = new Date('2026-01-01T00:00:00Z');
const ctx = { now: T0, processingTimeoutMs: 60_000, resumeAfterMs: 2_000 };

function given(patch: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    customerId: 'usr_c',
    accountId: 'acc_c',
    merchantAccountId: 'acc_m',
    amountMinor: 500n,
    currency: 'EUR',
    description: null,
    items: [],
    status: 'pending',
    holdTransferId: null,
    failureReason: null,
    resolution: null,
    traceId: 'trace-1',
    processingDeadline: null,
    stepAttempts: 0,
    lastError: null,
    nextStepAt: T0,
    history: [{ status: 'pending', at: T0.toISOString(), reason: null }],
    createdAt: T0,
    updatedAt: T0,
    version: 7,
    ...patch,
  };
}
const reserved = (patch: Partial<Order> = {}) =>
  given({
    status: 'reserved',
    holdTransferId: 'tr_1',
    processingDeadline: new Date(T0.getTime() + 60_000),
    ...patch,
  });

function when(o: Order, input: SagaInput, at = T0): Decision {
  return decide(o, input, { ...ctx, now: at });
}
function changed(d: Decision): Extract<Decision, { kind: 'changed' }> {
  assert.equal(d.kind, 'changed', d.kind === 'changed' ? '' : JSON.stringify(d));
  return d as Extract<Decision, { kind: 'changed' }>;
}

describe('order saga', () => {
  it('given a pending order, the next action is to place the hold', () => {
    assert.deepEqual(nextAction(given()), { kind: 'hold' });
  });

  it('given a pending order, when the hold is placed, then it is reserved with a deadline and orders.order.created', () => {
    const d = changed(when(given(), { kind: 'hold_placed', transferId: 'tr_1' }));
    assert.equal(d.order.status, 'reserved');
    assert.equal(d.order.holdTransferId, 'tr_1');
    assert.deepEqual(d.order.processingDeadline, new Date(T0.getTime() + 60_000));
    assert.deepEqual(d.order.nextStepAt, d.order.processingDeadline, 'the timer waits for the deadline');
    assert.deepEqual(d.events, ['orders.order.created']);
    assert.equal(d.order.history.at(-1)?.status, 'reserved');
    assert.equal(nextAction(d.order), undefined);
  });

  it('given a pending order, when balance refuses the hold, then it is rejected with the code and no hold', () => {
    const d = changed(when(given(), { kind: 'hold_refused', code: 'insufficient_funds' }));
    assert.equal(d.order.status, 'rejected');
    assert.equal(d.order.failureReason, 'insufficient_funds');
    assert.equal(d.order.nextStepAt, null);
    assert.deepEqual(d.events, ['orders.order.rejected']);
  });

  it('given a reserved order, when processing starts, then it is processing', () => {
    const d = changed(when(reserved(), { kind: 'processing_started' }));
    assert.equal(d.order.status, 'processing');
    assert.deepEqual(d.events, []);
  });

  it('given a processing order, when it is processed, then the hold is captured and the order completes', () => {
    const d1 = changed(when(reserved({ status: 'processing' }), { kind: 'processed', outcome: 'completed' }));
    assert.deepEqual(nextAction(d1.order), { kind: 'capture', transferId: 'tr_1' });
    assert.equal(d1.order.status, 'processing', 'still processing until the money has moved');
    const d2 = changed(when(d1.order, { kind: 'captured' }));
    assert.equal(d2.order.status, 'completed');
    assert.deepEqual(d2.events, ['orders.order.completed']);
    assert.equal(d2.order.nextStepAt, null);
  });

  it('given a reserved order whose start event has not arrived, when it is processed, then the history still shows processing', () => {
    const d1 = changed(when(reserved(), { kind: 'processed', outcome: 'completed' }));
    assert.equal(d1.order.status, 'processing');
    assert.deepEqual(nextAction(d1.order), { kind: 'capture', transferId: 'tr_1' });
    assert.equal(
      when(d1.order, { kind: 'processing_started' }).kind,
      'ignored',
      'the late start changes nothing',
    );
  });

  it('given a processing order, when processing failed, then the hold is released and the order fails with the reason', () => {
    const d1 = changed(
      when(reserved({ status: 'processing' }), {
        kind: 'processed',
        outcome: 'failed',
        error: 'out of stock',
      }),
    );
    assert.deepEqual(nextAction(d1.order), { kind: 'release', transferId: 'tr_1' });
    const d2 = changed(when(d1.order, { kind: 'released' }));
    assert.equal(d2.order.status, 'failed');
    assert.equal(d2.order.failureReason, 'out of stock');
    assert.deepEqual(d2.events, ['orders.order.failed']);
  });

  it('given a reserved order, when the customer cancels, then the hold is released and the order is cancelled', () => {
    const d1 = changed(when(reserved(), { kind: 'cancel_requested' }));
    assert.deepEqual(nextAction(d1.order), { kind: 'release', transferId: 'tr_1' });
    const d2 = changed(when(d1.order, { kind: 'released' }));
    assert.equal(d2.order.status, 'cancelled');
    assert.deepEqual(d2.events, ['orders.order.cancelled']);
  });

  it('given a processing order, when the customer cancels, then it is refused', () => {
    assert.deepEqual(when(reserved({ status: 'processing' }), { kind: 'cancel_requested' }), {
      kind: 'refused',
      code: 'order_not_cancellable',
    });
  });

  it('given a pending order cancelled before its hold, the hold is still placed and then released', () => {
    const d1 = changed(when(given(), { kind: 'cancel_requested' }));
    assert.deepEqual(nextAction(d1.order), { kind: 'hold' });
    const d2 = changed(when(d1.order, { kind: 'hold_placed', transferId: 'tr_1' }));
    assert.equal(d2.order.status, 'pending');
    assert.deepEqual(d2.events, [], 'the processor is never told about it');
    assert.deepEqual(nextAction(d2.order), { kind: 'release', transferId: 'tr_1' });
    assert.equal(changed(when(d2.order, { kind: 'released' })).order.status, 'cancelled');
  });

  it('given a pending order cancelled before a refused hold, then it is cancelled', () => {
    const d1 = changed(when(given(), { kind: 'cancel_requested' }));
    const d2 = changed(when(d1.order, { kind: 'hold_refused', code: 'insufficient_funds' }));
    assert.equal(d2.order.status, 'cancelled');
  });

  it('given a reserved order, when the deadline passes, then the hold is released and it fails with processing_timeout', () => {
    assert.equal(
      when(reserved(), { kind: 'deadline_checked' }, new Date(T0.getTime() + 59_999)).kind,
      'ignored',
    );
    const late = new Date(T0.getTime() + 60_000);
    const d1 = changed(when(reserved({ status: 'processing' }), { kind: 'deadline_checked' }, late));
    const d2 = changed(when(d1.order, { kind: 'released' }, late));
    assert.equal(d2.order.status, 'failed');
    assert.equal(d2.order.failureReason, 'processing_timeout');
  });

  it('given a decided release, when the processor reports success late, then it is ignored', () => {
    const d1 = changed(when(reserved(), { kind: 'cancel_requested' }));
    assert.equal(when(d1.order, { kind: 'processed', outcome: 'completed' }).kind, 'ignored');
  });

  it('given a decided capture, when balance has let the hold lapse, then the order fails', () => {
    const d1 = changed(when(reserved({ status: 'processing' }), { kind: 'processed', outcome: 'completed' }));
    const d2 = changed(when(d1.order, { kind: 'capture_refused', transferStatus: 'expired' }));
    assert.equal(d2.order.status, 'failed');
    assert.equal(d2.order.failureReason, 'hold_expired');
  });

  it('given a step in balance, when it fails without an outcome, then it is retried later with the same action', () => {
    const d = changed(
      when(given(), { kind: 'step_failed', step: 'hold', error: 'balance down', retryInMs: 800 }),
    );
    assert.equal(d.order.stepAttempts, 1);
    assert.deepEqual(d.order.nextStepAt, new Date(T0.getTime() + 800));
    assert.deepEqual(nextAction(d.order), { kind: 'hold' });
    const next = changed(when(d.order, { kind: 'hold_placed', transferId: 'tr_1' }));
    assert.equal(next.order.stepAttempts, 0, 'moving on resets the attempts');
  });

  it('given a hold another run has recorded, when a late failure of the hold step arrives, then it is ignored', () => {
    const held = reserved();
    const d = when(held, { kind: 'step_failed', step: 'hold', error: 'balance timed out', retryInMs: 250 });
    assert.equal(d.kind, 'ignored');
  });

  it('given a terminal order, every input is ignored and a cancel refused', () => {
    const done = given({ status: 'completed', holdTransferId: 'tr_1', nextStepAt: null });
    for (const input of [
      { kind: 'hold_placed', transferId: 'tr_2' },
      { kind: 'processed', outcome: 'completed' },
      { kind: 'captured' },
      { kind: 'released' },
    ] as const)
      assert.equal(when(done, input).kind, 'ignored');
    assert.equal(when(done, { kind: 'cancel_requested' }).kind, 'refused');
  });

  it('given a recorded hold, a repeated hold answer changes nothing', () => {
    assert.equal(when(reserved(), { kind: 'hold_placed', transferId: 'tr_1' }).kind, 'ignored');
  });

  it('given any order and input, a change carries the version it was decided on, which the runner guards its write with', () => {
    const inputs: SagaInput[] = [
      { kind: 'hold_placed', transferId: 'tr_1' },
      { kind: 'hold_refused', code: 'insufficient_funds' },
      { kind: 'processing_started' },
      { kind: 'processed', outcome: 'completed' },
      { kind: 'processed', outcome: 'failed', error: 'card_declined' },
      { kind: 'cancel_requested' },
      { kind: 'deadline_checked' },
      { kind: 'captured' },
      { kind: 'capture_refused', transferStatus: 'expired' },
      { kind: 'released' },
      { kind: 'step_failed', step: 'hold', error: 'balance timed out', retryInMs: 250 },
    ];
    const states = [
      given(),
      reserved(),
      reserved({ status: 'processing', resolution: { kind: 'capture' } }),
      reserved({ resolution: { kind: 'release', outcome: 'cancelled', reason: 'cancelled_by_customer' } }),
    ];
    let changes = 0;
    for (const o of states)
      for (const input of inputs) {
        const d = when(o, input, new Date(T0.getTime() + 120_000));
        if (d.kind !== 'changed') continue;
        changes += 1;
        assert.equal(d.order.version, o.version, `${o.status} + ${input.kind}`);
      }
    assert.ok(changes >= states.length, 'every state changes on some input');
  });
});
