import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DealView,
  dealStatusOf,
  decideAccept,
  decideCancel,
  decideCompleteStep,
  decideDelete,
  decideDraft,
  decideRetry,
  nextPaymentStatus,
  type StepView,
  stepStatusOf,
  validate,
  type World,
} from './deal.ts';

const step = (over: Partial<StepView> = {}): StepView => ({
  stepId: 's1',
  position: 1,
  description: 'Flat',
  status: 'NEW',
  deponents: [{ beneficiaryId: 'buyer', amount: 10_000n }],
  recipients: [
    {
      recipientId: 'r1',
      beneficiaryId: 'seller',
      amount: 9_850n,
      purpose: 'Flat',
      bankDetailsId: 'bd1',
      keepOnVirtualAccount: false,
    },
    {
      recipientId: 'r2',
      beneficiaryId: 'agency',
      amount: 150n,
      purpose: 'Fee',
      bankDetailsId: null,
      keepOnVirtualAccount: true,
    },
  ],
  ...over,
});
const deal = (over: Partial<DealView> = {}): DealView => ({
  dealId: 'd1',
  status: 'DRAFT',
  steps: [step()],
  ...over,
});
const world = (over: Partial<{ [K in keyof World]: World[K] }> = {}): World => ({
  scoring: new Map([
    ['buyer', 'SUCCEEDED'],
    ['seller', 'SUCCEEDED'],
    ['agency', 'SUCCEEDED'],
  ]),
  available: new Map([['buyer', 10_000n]]),
  ...over,
});

describe('accepting a deal', () => {
  it('given a valid draft, when accepted, then each deponent total is held', () => {
    const d = decideAccept(deal(), world());
    assert.ok(d.ok);
    assert.deepEqual([...d.holds], [['buyer', 10_000n]]);
  });

  it('given shares that do not add up, when validated, then AMOUNTS_MISMATCH names the step', () => {
    const reasons = validate(
      deal({ steps: [step({ deponents: [{ beneficiaryId: 'buyer', amount: 9_999n }] })] }),
      world(),
    );
    assert.deepEqual(
      reasons.map((r) => [r.code, r.details]),
      [['AMOUNTS_MISMATCH', { stepId: 's1' }]],
    );
  });

  it('given a recipient whose scoring is IN_PROGRESS, when accepted, then it is refused with the reason', () => {
    const d = decideAccept(
      deal(),
      world({
        scoring: new Map([
          ['buyer', 'SUCCEEDED'],
          ['seller', 'IN_PROGRESS'],
          ['agency', 'SUCCEEDED'],
        ]),
      }),
    );
    assert.deepEqual(d, { ok: false, code: 'UNPROCESSABLE', message: 'BENEFICIARY_NOT_SCORED' });
  });

  it('given too little money, no steps, or an empty step, when validated, then each is a reason', () => {
    assert.deepEqual(
      validate(deal(), world({ available: new Map([['buyer', 9_999n]]) })).map((r) => r.code),
      ['INSUFFICIENT_FUNDS'],
    );
    assert.deepEqual(
      validate(deal({ steps: [] }), world()).map((r) => r.code),
      ['NO_STEPS'],
    );
    assert.deepEqual(
      validate(deal({ steps: [step({ deponents: [], recipients: [] })] }), world()).map((r) => r.code),
      ['NO_DEPONENTS', 'NO_RECIPIENTS'],
    );
  });

  it('given an ACCEPTED deal, when accepted again or deleted, then it is a conflict', () => {
    assert.equal((decideAccept(deal({ status: 'ACCEPTED' }), world()) as { code: string }).code, 'CONFLICT');
    assert.equal((decideDelete(deal({ status: 'ACCEPTED' })) as { code: string }).code, 'CONFLICT');
    assert.deepEqual(decideDelete(deal()), { ok: true });
  });
});

describe('cancelling and going back to draft', () => {
  it('given an accepted deal with no payout, when cancelled or drafted, then the holds are released', () => {
    for (const decide of [decideCancel, decideDraft]) {
      const d = decide(deal({ status: 'ACCEPTED' }));
      assert.ok(d.ok);
      assert.deepEqual([...d.releases], [['buyer', 10_000n]]);
    }
  });

  it('given a draft, when cancelled, then nothing is released', () => {
    const d = decideCancel(deal());
    assert.ok(d.ok);
    assert.equal(d.releases.size, 0);
  });

  it('given a step whose payout started, when cancelled, then it is refused', () => {
    const d = decideCancel(deal({ status: 'IN_PROGRESS', steps: [step({ status: 'PAYMENT_IN_PROGRESS' })] }));
    assert.equal((d as { code: string }).code, 'CONFLICT');
  });
});

describe('completing a step and its payments', () => {
  it('given an accepted deal, when a NEW step completes, then its deponents are debited and each recipient paid', () => {
    const d = decideCompleteStep(deal({ status: 'ACCEPTED' }), 's1');
    assert.ok(d.ok);
    assert.deepEqual(d.debits, [{ beneficiaryId: 'buyer', amount: 10_000n }]);
    assert.deepEqual(
      d.payments.map((p) => p.recipientId),
      ['r1', 'r2'],
    );
  });

  it('given a draft, an unknown step or a step already paid, when completed, then it is refused', () => {
    assert.equal((decideCompleteStep(deal(), 's1') as { code: string }).code, 'CONFLICT');
    assert.equal(
      (decideCompleteStep(deal({ status: 'ACCEPTED' }), 'nope') as { code: string }).code,
      'NOT_FOUND',
    );
    assert.equal(
      (
        decideCompleteStep(deal({ status: 'IN_PROGRESS', steps: [step({ status: 'COMPLETED' })] }), 's1') as {
          code: string;
        }
      ).code,
      'CONFLICT',
    );
  });

  it('given payment states, then the step and the deal follow them', () => {
    assert.equal(stepStatusOf(['SUCCEEDED', 'IN_PROGRESS']), 'PAYMENT_IN_PROGRESS');
    assert.equal(stepStatusOf(['SUCCEEDED', 'FAILED']), 'PAYMENT_FAILED');
    assert.equal(stepStatusOf(['SUCCEEDED', 'SUCCEEDED']), 'COMPLETED');
    assert.equal(dealStatusOf('IN_PROGRESS', ['COMPLETED', 'NEW']), 'IN_PROGRESS');
    assert.equal(dealStatusOf('IN_PROGRESS', ['COMPLETED', 'COMPLETED']), 'COMPLETED');
    assert.equal(dealStatusOf('ACCEPTED', ['NEW']), 'ACCEPTED');
    assert.equal(dealStatusOf('CANCELLED', ['CANCELLED']), 'CANCELLED');
  });

  it('given a payment, when its time comes, then PENDING → IN_PROGRESS → SUCCEEDED, or FAILED with a failure', () => {
    assert.equal(nextPaymentStatus('PENDING', undefined), 'IN_PROGRESS');
    assert.equal(nextPaymentStatus('IN_PROGRESS', undefined), 'SUCCEEDED');
    assert.equal(nextPaymentStatus('IN_PROGRESS', 'ACCOUNT_CLOSED'), 'FAILED');
    assert.equal(nextPaymentStatus('SUCCEEDED', undefined), undefined);
  });

  it('given a FAILED payment, when retried, then it may be once; anything else is a conflict', () => {
    assert.deepEqual(decideRetry('FAILED', false), { ok: true });
    assert.equal((decideRetry('FAILED', true) as { code: string }).code, 'CONFLICT');
    assert.equal((decideRetry('SUCCEEDED', false) as { code: string }).code, 'CONFLICT');
  });
});
