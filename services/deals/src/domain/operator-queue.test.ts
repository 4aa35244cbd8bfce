import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueChangesOf } from './operator-queue.ts';

const at = new Date('2026-12-01T10:00:00Z');

describe('queueChangesOf', () => {
  it('opens a dispute, and its resolution closes it', () => {
    assert.deepEqual(
      queueChangesOf('deal_1', { type: 'deal.disputed', at, disputeId: 'dsp_1', by: 'u', reason: 'late' }),
      [
        {
          open: {
            itemId: 'deal_1/dispute/dsp_1',
            dealId: 'deal_1',
            kind: 'dispute',
            reason: 'late',
            since: at,
          },
        },
      ],
    );
    assert.deepEqual(
      queueChangesOf('deal_1', {
        type: 'deal.dispute_resolved',
        at,
        disputeId: 'dsp_1',
        by: 'ops',
        outcome: 'release',
      }),
      [{ close: { itemId: 'deal_1/dispute/dsp_1', at } }],
    );
  });

  it('opens a failed payout with the bank reason; a retry or the payment closes it', () => {
    const failed = {
      type: 'deal.payout_failed',
      at,
      milestoneId: 'm1',
      payoutId: 'p1',
      reason: 'ACCOUNT_CLOSED',
    } as const;
    assert.deepEqual(queueChangesOf('deal_1', failed), [
      {
        open: {
          itemId: 'deal_1/payout_failed/p1',
          dealId: 'deal_1',
          kind: 'payout_failed',
          reason: 'ACCOUNT_CLOSED',
          since: at,
        },
      },
    ]);
    assert.deepEqual(
      queueChangesOf('deal_1', { type: 'deal.payout_retried', at, milestoneId: 'm1', payoutId: 'p1' }),
      [{ close: { itemId: 'deal_1/payout_failed/p1', at } }],
    );
    assert.deepEqual(
      queueChangesOf('deal_1', { type: 'deal.payout_completed', at, milestoneId: 'm1', payoutId: 'p1' }),
      [
        { close: { itemId: 'deal_1/payout_failed/p1', at } },
        { close: { itemId: 'deal_1/payout_held/p1', at } },
      ],
    );
  });

  it('opens a held payout with its reason until it is resumed; an annulled receipt until one is issued again', () => {
    const ref = { at, milestoneId: 'm1', payoutId: 'p1' } as const;
    assert.deepEqual(
      queueChangesOf('deal_1', {
        type: 'deal.payout_held',
        ...ref,
        reason: 'npd_not_active',
        detail: 'NOT_ACTIVE',
      }),
      [
        {
          open: {
            itemId: 'deal_1/payout_held/p1',
            dealId: 'deal_1',
            kind: 'payout_held',
            reason: 'npd_not_active: NOT_ACTIVE',
            since: at,
          },
        },
      ],
    );
    assert.deepEqual(queueChangesOf('deal_1', { type: 'deal.payout_resumed', ...ref }), [
      { close: { itemId: 'deal_1/payout_held/p1', at } },
    ]);
    const annulled = queueChangesOf('deal_1', {
      type: 'deal.receipt_cancelled',
      ...ref,
      receiptNumber: 'r7',
    });
    assert.deepEqual(
      annulled.map((c) => ('open' in c ? [c.open.kind, c.open.reason] : c)),
      [['receipt_cancelled', 'receipt r7 annulled']],
    );
    const again = (status: 'SUCCESS' | 'IN_PROGRESS') =>
      queueChangesOf('deal_1', {
        type: 'deal.receipt_updated',
        ...ref,
        status,
        receiptNumber: 'r8',
        link: null,
      });
    assert.deepEqual(again('IN_PROGRESS'), []);
    assert.deepEqual(again('SUCCESS'), [{ close: { itemId: 'deal_1/receipt_cancelled/p1', at } }]);
  });

  it('opens a refund the bank could not make; the deal ending closes whatever is open', () => {
    assert.deepEqual(
      queueChangesOf('deal_1', {
        type: 'deal.refund_needs_operator',
        at,
        amount: 5n,
        reason: 'refund_needs_operator: x',
      }),
      [
        {
          open: {
            itemId: 'deal_1/refund_needs_operator/refund',
            dealId: 'deal_1',
            kind: 'refund_needs_operator',
            reason: 'refund_needs_operator: x',
            since: at,
          },
        },
      ],
    );
    assert.deepEqual(queueChangesOf('deal_1', { type: 'deal.completed', at }), [
      { closeDeal: { dealId: 'deal_1', at } },
    ]);
    assert.deepEqual(
      queueChangesOf('deal_1', { type: 'deal.submitted', at }),
      [],
      'most events change nothing',
    );
  });
});
