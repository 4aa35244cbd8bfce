import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PAYOUT_HOLD_REASONS, RECEIPT_STATUSES } from '../domain/deal.ts';
import type { DealEvent } from '../domain/events.ts';
import { decodeEvent, encodeEvent } from './event-codec.ts';

// Plain objects, as decoding builds them (fast-check's records otherwise have no prototype).
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}
const at = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});
const amount = fc.bigInt({ min: 0n, max: 9_007_199_254_740_991n });
const id = fc.string({ minLength: 1, maxLength: 12 });
const release = fc.oneof(
  fc.constant({ kind: 'immediate' as const }),
  fc.constant({ kind: 'payer_confirms' as const }),
  at.map((d) => ({ kind: 'on_date' as const, at: d })),
  fc.integer({ min: 1, max: 8760 }).map((hours) => ({ kind: 'hold_hours' as const, hours })),
);
const rule = fc.oneof(
  rec({ recipientId: id, share: rec({ fixed: amount }) }),
  rec({
    recipientId: id,
    share: rec({ percentBp: fc.integer({ min: 1, max: 10000 }) }),
    minimum: amount,
  }),
);
const payout = rec({ id, recipientId: id, amount });

const milestones = fc.array(
  rec({
    id,
    title: fc.string(),
    amount,
    release,
    rules: fc.array(rule),
    payouts: fc.array(payout),
  }),
  { maxLength: 3 },
);

const events: fc.Arbitrary<DealEvent> = fc.oneof(
  rec({
    type: fc.constant('deal.created' as const),
    at,
    dealId: id,
    title: fc.string(),
    createdBy: id,
    payerId: id,
    amount,
    milestones,
  }),
  rec({
    type: fc.constant('deal.revised' as const),
    at,
    by: id,
    title: fc.string(),
    payerId: id,
    amount,
    milestones,
  }),
  rec({ type: fc.constantFrom('deal.submitted' as const, 'deal.completed' as const), at }),
  rec({ type: fc.constant('deal.registered_at_bank' as const), at, bankDealId: id }),
  rec({ type: fc.constant('deal.funded' as const), at, incomingTransactionId: id, amount }),
  rec({ type: fc.constant('deal.milestone_confirmed' as const), at, milestoneId: id, by: id }),
  rec({ type: fc.constant('deal.milestone_released' as const), at, milestoneId: id }),
  rec({
    type: fc.constantFrom('deal.payout_completed' as const, 'deal.payout_retried' as const),
    at,
    milestoneId: id,
    payoutId: id,
  }),
  rec({
    type: fc.constant('deal.payout_failed' as const),
    at,
    milestoneId: id,
    payoutId: id,
    reason: fc.string(),
  }),
  rec({ type: fc.constant('deal.cancelled' as const), at, by: id, refundAmount: amount }),
  rec({ type: fc.constant('deal.refund_needs_operator' as const), at, amount, reason: fc.string() }),
  rec({
    type: fc.constant('deal.payout_held' as const),
    at,
    milestoneId: id,
    payoutId: id,
    reason: fc.constantFrom(...PAYOUT_HOLD_REASONS),
    detail: fc.string(),
  }),
  rec({ type: fc.constant('deal.payout_resumed' as const), at, milestoneId: id, payoutId: id }),
  rec({
    type: fc.constant('deal.receipt_updated' as const),
    at,
    milestoneId: id,
    payoutId: id,
    status: fc.constantFrom(...RECEIPT_STATUSES),
    receiptNumber: fc.option(id, { nil: null }),
    link: fc.option(fc.string(), { nil: null }),
  }),
  rec({
    type: fc.constant('deal.receipt_cancelled' as const),
    at,
    milestoneId: id,
    payoutId: id,
    receiptNumber: fc.option(id, { nil: null }),
  }),
  rec({ type: fc.constant('deal.disputed' as const), at, disputeId: id, by: id, reason: fc.string() }),
  rec({
    type: fc.constant('deal.dispute_resolved' as const),
    at,
    disputeId: id,
    by: id,
    outcome: fc.constantFrom('release' as const, 'full_refund' as const, 'partial_refund' as const),
  }),
  rec({
    type: fc.constant('deal.refunded' as const),
    at,
    amount,
    milestones: fc.array(rec({ milestoneId: id, amount, payouts: fc.array(rec({ id, amount })) }), {
      maxLength: 3,
    }),
  }),
);

describe('deal event codec', () => {
  it('decodes every stored event to exactly the event that was encoded, through JSON text', () => {
    fc.assert(
      fc.property(events, (event) => {
        const { type, data } = encodeEvent(event);
        assert.deepEqual(decodeEvent(type, JSON.parse(JSON.stringify(data))), event);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an amount JSON cannot carry exactly, and stored data it does not know', () => {
    assert.throws(
      () => encodeEvent({ type: 'deal.cancelled', at: new Date(), by: 'u', refundAmount: 2n ** 53n }),
      RangeError,
    );
    assert.throws(() => decodeEvent('deal.exploded', { at: '2026-01-01T00:00:00Z' }), /unknown/);
    assert.throws(
      () =>
        decodeEvent('deal.funded', { at: '2026-01-01T00:00:00Z', incomingTransactionId: 'x', amount: 1.5 }),
      /not an integer/,
    );
  });
});
