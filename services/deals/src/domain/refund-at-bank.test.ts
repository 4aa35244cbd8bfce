import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BankDealNow, nextRefundStep, type RefundTarget } from './refund-at-bank.ts';

/** A recipient paid to bank details, or (`kept`) a self-employed share kept on the virtual account. */
const recipient = (recipientId: string, amount: bigint, kept = false) => ({
  recipientId,
  beneficiaryId: `ben_${recipientId}`,
  amount,
  purpose: `payout of ${recipientId}`,
  bankDetailsId: kept ? null : 'bd_1',
  keepOnVirtualAccount: kept,
});
const step = (stepId: string, amount: bigint, recipients = [recipient(`r_${stepId}`, amount)]) => ({
  stepId,
  status: 'NEW',
  deponents: [{ beneficiaryId: 'ben_payer', amount }],
  recipients,
});
/** Two steps of 600 and 400 at the bank; the second split 300/100, the 100 a self-employed share. */
const accepted: BankDealNow = {
  status: 'ACCEPTED',
  steps: [step('s1', 600n), step('s2', 400n, [recipient('r_a', 300n), recipient('r_b', 100n, true)])],
};
/** A refund of 250 taken from the second milestone: 150 left, split 113/37 by its rules. */
const partial: RefundTarget = {
  full: false,
  steps: [
    {
      milestoneId: 'm2',
      stepId: 's2',
      amount: 150n,
      payouts: [
        { payoutId: 'p_a', bankRecipientId: 'r_a', amount: 113n },
        { payoutId: 'p_b', bankRecipientId: 'r_b', amount: 37n },
      ],
    },
  ],
};

describe('nextRefundStep', () => {
  it('given a full refund before any payout, when the deal is accepted, then cancel; once cancelled, done', () => {
    const full: RefundTarget = { full: true, steps: [] };
    assert.deepEqual(nextRefundStep(accepted, full), { kind: 'cancel' });
    assert.deepEqual(nextRefundStep({ ...accepted, status: 'DRAFT' }, full), { kind: 'cancel' });
    assert.deepEqual(nextRefundStep({ ...accepted, status: 'CANCELLED' }, full), { kind: 'done' });
  });

  it('given a payout already attempted, then an operator is needed, with the step in the reason', () => {
    const paying = {
      ...accepted,
      status: 'IN_PROGRESS',
      steps: [{ ...step('s1', 600n), status: 'PAYMENT_FAILED' }],
    };
    const next = nextRefundStep(paying, partial);
    assert.equal(next.kind, 'needs_operator');
    assert.match(
      next.kind === 'needs_operator' ? next.reason : '',
      /^refund_needs_operator: .*s1 is PAYMENT_FAILED/,
    );
    assert.equal(nextRefundStep(paying, { full: true, steps: [] }).kind, 'needs_operator');
    assert.equal(nextRefundStep({ status: 'COMPLETED', steps: [] }, partial).kind, 'needs_operator');
  });

  it('given a partial refund, when the deal is accepted as it was, then back to draft first', () => {
    assert.deepEqual(nextRefundStep(accepted, partial), { kind: 'draft' });
  });

  it('walks a draft through deponent, replaced recipients and stale ones to accept, one call at a time', () => {
    let bank: BankDealNow = { ...accepted, status: 'DRAFT' };
    let target = partial;
    const calls: string[] = [];
    for (let i = 0; i < 20; i++) {
      const next = nextRefundStep(bank, target);
      calls.push(next.kind);
      if (next.kind === 'accept') break;
      const s2 = bank.steps[1]!;
      if (next.kind === 'put_deponent') {
        assert.deepEqual([next.beneficiaryId, next.amount], ['ben_payer', 150n]);
        bank = {
          ...bank,
          steps: [bank.steps[0]!, { ...s2, deponents: [{ beneficiaryId: 'ben_payer', amount: 150n }] }],
        };
      } else if (next.kind === 'replace_recipient') {
        assert.equal(next.purpose, next.payoutId === 'p_a' ? 'payout of r_a' : 'payout of r_b');
        assert.equal(
          next.keepOnVirtualAccount,
          next.payoutId === 'p_b',
          'a self-employed share stays on the virtual account when replaced',
        );
        const added = {
          ...recipient(`new_${next.payoutId}`, next.amount, next.keepOnVirtualAccount),
          beneficiaryId: next.beneficiaryId,
        };
        bank = { ...bank, steps: [bank.steps[0]!, { ...s2, recipients: [...s2.recipients, added] }] };
        target = {
          ...target,
          steps: target.steps.map((t) => ({
            ...t,
            payouts: t.payouts.map((p) =>
              p.payoutId === next.payoutId ? { ...p, bankRecipientId: added.recipientId } : p,
            ),
          })),
        };
      } else if (next.kind === 'delete_recipient') {
        bank = {
          ...bank,
          steps: [
            bank.steps[0]!,
            { ...s2, recipients: s2.recipients.filter((r) => r.recipientId !== next.recipientId) },
          ],
        };
      } else assert.fail(`unexpected ${next.kind}`);
    }
    assert.deepEqual(calls, [
      'put_deponent',
      'replace_recipient',
      'replace_recipient',
      'delete_recipient',
      'delete_recipient',
      'accept',
    ]);
    // Accepted again as the refund leaves it: nothing more to do, however often it is asked.
    assert.deepEqual(nextRefundStep({ ...bank, status: 'ACCEPTED' }, target), { kind: 'done' });
    assert.deepEqual(
      bank.steps[1]!.recipients.map((r) => [r.recipientId, r.amount]),
      [
        ['new_p_a', 113n],
        ['new_p_b', 37n],
      ],
    );
  });

  it('given a milestone refunded whole, then its step is deleted, and a step already gone is skipped', () => {
    const whole: RefundTarget = {
      full: false,
      steps: [{ milestoneId: 'm2', stepId: 's2', amount: 0n, payouts: [] }],
    };
    const draft = { ...accepted, status: 'DRAFT' };
    assert.deepEqual(nextRefundStep(draft, whole), { kind: 'delete_step', stepId: 's2' });
    assert.deepEqual(nextRefundStep({ ...draft, steps: [accepted.steps[0]!] }, whole), { kind: 'accept' });
  });

  it('given a payout whose share fell to 0, then its recipient goes and no other is added', () => {
    const zero: RefundTarget = {
      full: false,
      steps: [
        {
          milestoneId: 'm2',
          stepId: 's2',
          amount: 300n,
          payouts: [
            { payoutId: 'p_a', bankRecipientId: 'r_a', amount: 300n },
            { payoutId: 'p_b', bankRecipientId: 'r_b', amount: 0n },
          ],
        },
      ],
    };
    const draft: BankDealNow = {
      status: 'DRAFT',
      steps: [step('s1', 600n), { ...step('s2', 300n, [recipient('r_a', 300n), recipient('r_b', 100n, true)]) }],
    };
    assert.deepEqual(nextRefundStep(draft, zero), {
      kind: 'delete_recipient',
      stepId: 's2',
      recipientId: 'r_b',
    });
  });
});
