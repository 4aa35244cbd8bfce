import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bankIdempotencyKey, bankTasksFor } from './bank-tasks.ts';
import type { Deal } from './deal.ts';

const at = new Date('2026-12-01T10:00:00Z');
const deal = (status: Deal['status']): Deal => ({
  id: 'deal_1',
  title: 'Flat',
  createdBy: 'usr_agent',
  payerId: 'usr_payer',
  currency: 'RUB',
  amount: 100n,
  status,
  milestones: [],
  bankDealId: null,
  fundedBy: null,
  fundedAt: null,
  dispute: null,
  refundedAmount: 0n,
  refundNeedsOperator: null,
  version: 1,
  createdAt: at,
  updatedAt: at,
});

const milestone = (id: string): Deal['milestones'][number] => ({
  id,
  title: id,
  amount: 50n,
  release: { kind: 'payer_confirms' },
  rules: [{ recipientId: 'rcp_1', share: { percentBp: 10_000 } }],
  payouts: [
    {
      id: `p_${id}`,
      recipientId: 'rcp_1',
      amount: 50n,
      status: 'pending',
      failure: null,
      attempts: 0,
      hold: null,
      paidAt: null,
      receipt: null,
    },
  ],
  status: 'pending',
});

describe('bankTasksFor', () => {
  it('gives each event that needs the bank one task keyed by the event', () => {
    assert.deepEqual(bankTasksFor({ type: 'deal.submitted', at }, 'evt_1', deal('draft')), [
      { key: 'evt_1/register_deal', task: { kind: 'register_deal' } },
    ]);
    assert.deepEqual(
      bankTasksFor(
        { type: 'deal.funded', at, incomingTransactionId: 'op', amount: 100n },
        'evt_2',
        deal('awaiting_payment'),
      ),
      [{ key: 'evt_2/accept_deal', task: { kind: 'accept_deal' } }],
    );
    assert.deepEqual(
      bankTasksFor({ type: 'deal.milestone_released', at, milestoneId: 'm1' }, 'evt_3', deal('funded')),
      [{ key: 'evt_3/pay_milestone', task: { kind: 'pay_milestone', milestoneId: 'm1' } }],
    );
    assert.deepEqual(
      bankTasksFor(
        { type: 'deal.payout_retried', at, milestoneId: 'm1', payoutId: 'p1' },
        'evt_4',
        deal('releasing'),
      ),
      [{ key: 'evt_4/retry_payout', task: { kind: 'retry_payout', milestoneId: 'm1', payoutId: 'p1' } }],
    );
    assert.deepEqual(
      bankTasksFor({ type: 'deal.refunded', at, amount: 40n, milestones: [] }, 'evt_5', deal('disputed')),
      [{ key: 'evt_5/refund', task: { kind: 'refund', amount: 40n, full: true, milestones: [] } }],
      'nothing left to pay: the whole deal goes back',
    );
    const partly = { ...deal('disputed'), milestones: [milestone('m1'), milestone('m2')] };
    const change = { milestoneId: 'm2', amount: 10n, payouts: [{ id: 'p_m2', amount: 10n }] };
    assert.deepEqual(
      bankTasksFor({ type: 'deal.refunded', at, amount: 40n, milestones: [change] }, 'evt_6', partly),
      [{ key: 'evt_6/refund', task: { kind: 'refund', amount: 40n, full: false, milestones: [change] } }],
      'a milestone left to pay: the bank deal is reduced, with the amounts the event carries',
    );
  });

  it('cancels at the bank only a deal that was sent there', () => {
    const cancelled = { type: 'deal.cancelled', at, by: 'usr_agent', refundAmount: 0n } as const;
    assert.deepEqual(bankTasksFor(cancelled, 'evt_6', deal('draft')), []);
    for (const status of ['submitted', 'awaiting_payment', 'funded'] as const)
      assert.deepEqual(bankTasksFor(cancelled, 'evt_6', deal(status)), [
        { key: 'evt_6/cancel_at_bank', task: { kind: 'cancel_at_bank' } },
      ]);
  });

  it('gives no task for facts the bank reported or that stay inside Strongbox', () => {
    assert.deepEqual(
      bankTasksFor({ type: 'deal.registered_at_bank', at, bankDealId: 'b' }, 'e', deal('submitted')),
      [],
    );
    assert.deepEqual(bankTasksFor({ type: 'deal.completed', at }, 'e', deal('releasing')), []);
    assert.deepEqual(
      bankTasksFor({ type: 'deal.disputed', at, disputeId: 'd', by: 'u', reason: 'r' }, 'e', deal('funded')),
      [],
    );
  });
});

describe('bankIdempotencyKey', () => {
  it('is a UUID, the same for the same task and call, and different otherwise', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (task, call, other) => {
        const key = bankIdempotencyKey(task, call);
        assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(bankIdempotencyKey(task, call), key);
        if (other !== call) assert.notEqual(bankIdempotencyKey(task, other), key);
      }),
    );
  });
});
