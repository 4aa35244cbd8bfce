import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Deal } from './deal.ts';
import { heldAmount } from './deal.ts';
import { type Actor, type DealCommand, decide, type NewMilestone } from './decide.ts';
import type { DealEvent } from './events.ts';
import { evolve } from './evolve.ts';

const t0 = new Date('2026-12-01T10:00:00Z');
const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const payer: Actor = { kind: 'user', userId: 'usr_payer', staff: false, agent: false };
const stranger: Actor = { kind: 'user', userId: 'usr_other', staff: false, agent: true };
const operator: Actor = { kind: 'user', userId: 'usr_ops', staff: true, agent: false };
const bank: Actor = { kind: 'system' };

const milestone = (id: string, amount: bigint, release: NewMilestone['release']): NewMilestone => ({
  id,
  title: `milestone ${id}`,
  amount,
  release,
  rules: [
    { recipientId: 'rcp_agent', share: { percentBp: 7000 } },
    { recipientId: 'rcp_agency', share: { percentBp: 2900 } },
    { recipientId: 'rcp_fee', share: { percentBp: 100 }, minimum: 500n },
  ],
  payoutIds: [`po_${id}_1`, `po_${id}_2`, `po_${id}_3`],
});

const createCommand: DealCommand = {
  kind: 'create',
  dealId: 'deal_1',
  title: 'Flat on Tverskaya',
  payerId: 'usr_payer',
  amount: 300_000n,
  milestones: [
    milestone('m1', 100_000n, { kind: 'immediate' }),
    milestone('m2', 200_000n, { kind: 'payer_confirms' }),
  ],
  recipientUserIds: ['usr_agent', 'usr_agency'],
};

/** Runs commands in order, failing the test on the first rejection; returns the state and every event. */
function given(steps: Array<[DealCommand, Actor, Date?]>): { deal: Deal; events: DealEvent[] } {
  let deal: Deal | null = null;
  const events: DealEvent[] = [];
  for (const [command, actor, at] of steps) {
    const d = decide(command, deal, actor, at ?? t0);
    assert.ok(d.ok, `${command.kind} was refused: ${d.ok ? '' : d.code}`);
    for (const e of d.events) {
      deal = evolve(deal, e);
      events.push(e);
    }
  }
  assert.ok(deal);
  return { deal, events };
}

const funded: Array<[DealCommand, Actor, Date?]> = [
  [createCommand, agent],
  [{ kind: 'submit' }, agent],
  [{ kind: 'registered_at_bank', bankDealId: 'bank_1' }, bank],
  [{ kind: 'fund', incomingTransactionId: 'in_1', amount: 300_000n }, bank],
];

const types = (d: ReturnType<typeof decide>) => (d.ok ? d.events.map((e) => e.type) : d.code);

describe('deal lifecycle', () => {
  it('given an agent, when they create a deal, then it is a draft with each milestone split exactly', () => {
    const { deal } = given([[createCommand, agent]]);
    assert.equal(deal.status, 'draft');
    assert.deepEqual(
      deal.milestones.map((m) => m.payouts.map((p) => p.amount)),
      [
        [70_000n, 29_000n, 1_000n],
        [140_000n, 58_000n, 2_000n],
      ],
    );
    assert.equal(deal.version, 1);
  });

  it('given a draft, when its creator revises it, then the terms and the split are replaced; once submitted it is refused', () => {
    const { deal } = given([[createCommand, agent]]);
    const revise: DealCommand = {
      kind: 'revise',
      title: 'Flat on Arbat',
      payerId: 'usr_payer',
      amount: 50_000n,
      milestones: [milestone('m9', 50_000n, { kind: 'immediate' })],
      recipientUserIds: ['usr_agent'],
    };
    const d = decide(revise, deal, agent, hours(1));
    assert.deepEqual(types(d), ['deal.revised']);
    assert.ok(d.ok);
    const revised = d.events.reduce<Deal>((s, e) => evolve(s, e), deal);
    assert.deepEqual(
      [
        revised.title,
        revised.amount,
        revised.version,
        revised.milestones.map((m) => m.payouts.map((p) => p.amount)),
      ],
      ['Flat on Arbat', 50_000n, 2, [[35_000n, 14_500n, 500n]]],
    );
    assert.equal(types(decide(revise, deal, payer, t0)), 'deal_forbidden');
    assert.equal(types(decide({ ...revise, amount: 1n }, deal, agent, t0)), 'deal_milestones_sum_mismatch');
    const { deal: submitted } = given([
      [createCommand, agent],
      [{ kind: 'submit' }, agent],
    ]);
    assert.equal(types(decide(revise, submitted, agent, t0)), 'deal_wrong_status');
  });

  it('given a funded deal, then the immediate milestone is released at once and the other waits for the payer', () => {
    const { deal, events } = given(funded);
    assert.deepEqual(
      events.map((e) => e.type),
      ['deal.created', 'deal.submitted', 'deal.registered_at_bank', 'deal.funded', 'deal.milestone_released'],
    );
    assert.equal(deal.status, 'releasing');
    assert.deepEqual(
      deal.milestones.map((m) => m.status),
      ['released', 'pending'],
    );
    assert.equal(heldAmount(deal), 200_000n);
  });

  it('given every payout paid after the payer confirms, then the deal completes once', () => {
    const { deal } = given(funded);
    const paid = given([
      ...funded,
      [{ kind: 'confirm_milestone', milestoneId: 'm2' }, payer],
      ...deal.milestones.flatMap((m) =>
        m.payouts.map((p): [DealCommand, Actor] => [{ kind: 'payout_completed', payoutId: p.id }, bank]),
      ),
    ]);
    assert.equal(paid.deal.status, 'completed');
    assert.equal(paid.events.filter((e) => e.type === 'deal.completed').length, 1);
    assert.equal(heldAmount(paid.deal), 0n);
  });

  it('given a failed payout, when it is retried and then paid, then it is paid once and never fails again', () => {
    const { deal } = given([
      ...funded,
      [{ kind: 'payout_failed', payoutId: 'po_m1_1', reason: 'account closed' }, bank],
    ]);
    const payout = deal.milestones[0]!.payouts[0]!;
    assert.equal(payout.status, 'failed');
    assert.equal(payout.failure, 'account closed');
    const retried = given([
      ...funded,
      [{ kind: 'payout_failed', payoutId: 'po_m1_1', reason: 'account closed' }, bank],
      [{ kind: 'retry_payout', payoutId: 'po_m1_1' }, agent],
      [{ kind: 'payout_completed', payoutId: 'po_m1_1' }, bank],
    ]).deal;
    assert.equal(retried.milestones[0]!.payouts[0]!.status, 'paid');
    assert.equal(retried.milestones[0]!.payouts[0]!.attempts, 1);
    assert.deepEqual(
      types(decide({ kind: 'payout_failed', payoutId: 'po_m1_1', reason: 'late' }, retried, bank, t0)),
      [],
    );
    assert.deepEqual(types(decide({ kind: 'payout_completed', payoutId: 'po_m1_1' }, retried, bank, t0)), []);
  });

  it('given hold_hours and on_date milestones, then release_due releases each only when its time has come', () => {
    const { deal } = given([
      [
        {
          ...createCommand,
          milestones: [
            milestone('m1', 100_000n, { kind: 'hold_hours', hours: 24 }),
            milestone('m2', 200_000n, { kind: 'on_date', at: hours(48) }),
          ],
        } as DealCommand,
        agent,
      ],
      ...funded.slice(1),
    ]);
    assert.equal(deal.status, 'funded');
    assert.deepEqual(types(decide({ kind: 'release_due' }, deal, bank, hours(23))), []);
    assert.deepEqual(types(decide({ kind: 'release_due' }, deal, bank, hours(24))), [
      'deal.milestone_released',
    ]);
    assert.deepEqual(types(decide({ kind: 'release_due' }, deal, bank, hours(48))), [
      'deal.milestone_released',
      'deal.milestone_released',
    ]);
  });

  it('given a deal before any payout, when a party cancels, then the money held is refunded; after a release it is refused', () => {
    const draft = given([[createCommand, agent]]).deal;
    assert.deepEqual(types(decide({ kind: 'cancel' }, draft, agent, t0)), ['deal.cancelled']);
    const onlyFunded = given([
      [
        {
          ...createCommand,
          milestones: [milestone('m1', 300_000n, { kind: 'payer_confirms' })],
        } as DealCommand,
        agent,
      ],
      ...funded.slice(1),
    ]).deal;
    const c = decide({ kind: 'cancel' }, onlyFunded, payer, t0);
    assert.ok(c.ok && c.events[0]?.type === 'deal.cancelled' && c.events[0].refundAmount === 300_000n);
    assert.equal(types(decide({ kind: 'cancel' }, given(funded).deal, payer, t0)), 'deal_not_cancellable');
  });

  it('given a dispute, then releases are frozen until an operator resolves it', () => {
    const disputed = given([
      ...funded,
      [{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'keys not handed over' }, payer],
    ]).deal;
    assert.equal(disputed.status, 'disputed');
    assert.equal(
      types(decide({ kind: 'confirm_milestone', milestoneId: 'm2' }, disputed, payer, t0)),
      'deal_disputed',
    );
    assert.equal(
      types(decide({ kind: 'resolve_dispute', outcome: 'release' }, disputed, payer, t0)),
      'deal_forbidden',
    );
    const released = given([
      ...funded,
      [{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'r' }, payer],
      [{ kind: 'resolve_dispute', outcome: 'release' }, operator],
    ]).deal;
    assert.equal(released.status, 'releasing');
    assert.equal(released.dispute, null);
  });

  it('given a partial refund, then it comes out of the unreleased milestone, which is split again by its rules', () => {
    const { deal } = given([
      ...funded,
      [{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'r' }, payer],
      [{ kind: 'resolve_dispute', outcome: { partialRefund: 50_000n } }, operator],
    ]);
    assert.equal(deal.status, 'partially_refunded');
    assert.equal(deal.refundedAmount, 50_000n);
    const m2 = deal.milestones[1]!;
    assert.equal(m2.amount, 150_000n);
    assert.deepEqual(
      m2.payouts.map((p) => p.amount),
      [105_000n, 43_500n, 1_500n],
    );
    assert.equal(heldAmount(deal), 150_000n);
  });

  it('given a full refund with nothing released, then the deal is refunded', () => {
    const { deal } = given([
      [
        {
          ...createCommand,
          milestones: [milestone('m1', 300_000n, { kind: 'payer_confirms' })],
        } as DealCommand,
        agent,
      ],
      ...funded.slice(1),
      [{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'r' }, payer],
      [{ kind: 'resolve_dispute', outcome: 'full_refund' }, operator],
    ]);
    assert.equal(deal.status, 'refunded');
    assert.equal(heldAmount(deal), 0n);
  });

  it('given the first milestone paid out, when the rest is refunded, then the deal completes in the same decision', () => {
    const { deal } = given([
      ...funded,
      [{ kind: 'payout_completed', payoutId: 'po_m1_1' }, bank],
      [{ kind: 'payout_completed', payoutId: 'po_m1_2' }, bank],
      [{ kind: 'payout_completed', payoutId: 'po_m1_3' }, bank],
      [{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'r' }, payer],
    ]);
    assert.equal(deal.milestones[0]!.status, 'paid');
    const d = decide({ kind: 'resolve_dispute', outcome: 'full_refund' }, deal, operator, t0);
    assert.deepEqual(types(d), ['deal.dispute_resolved', 'deal.refunded', 'deal.completed']);
    const after = (d.ok ? d.events : []).reduce(evolve, deal);
    assert.deepEqual([after.status, heldAmount(after), after.refundedAmount], ['completed', 0n, 200_000n]);
  });

  it('given a refund the bank cannot make, when the worker reports it, then it is recorded once and changes no money', () => {
    const { deal } = given([
      ...funded,
      [{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'r' }, payer],
      [{ kind: 'resolve_dispute', outcome: { partialRefund: 50_000n } }, operator],
    ]);
    const report: DealCommand = {
      kind: 'refund_needs_operator',
      amount: 50_000n,
      reason: 'refund_needs_operator: x',
    };
    assert.equal(types(decide(report, deal, payer, t0)), 'deal_forbidden', 'only the worker reports it');
    assert.equal(types(decide(report, deal, operator, t0)), 'deal_forbidden');
    const first = decide(report, deal, bank, t0);
    assert.deepEqual(types(first), ['deal.refund_needs_operator']);
    const after = (first.ok ? first.events : []).reduce(evolve, deal);
    assert.deepEqual(after.refundNeedsOperator, { amount: 50_000n, reason: 'refund_needs_operator: x' });
    assert.deepEqual([after.status, heldAmount(after)], [deal.status, heldAmount(deal)]);
    assert.deepEqual(types(decide(report, after, bank, t0)), [], 'a task performed again adds nothing');
  });
});

describe('deal rejections', () => {
  it('refuses what the rules forbid, each with its own code', () => {
    const draft = given([[createCommand, agent]]).deal;
    const fundedDeal = given(funded).deal;
    const cases: Array<[DealCommand, Deal | null, Actor, string]> = [
      [createCommand, null, payer, 'deal_forbidden'],
      [createCommand, draft, agent, 'deal_exists'],
      [{ ...createCommand, amount: 300_001n } as DealCommand, null, agent, 'deal_milestones_sum_mismatch'],
      [
        { ...createCommand, recipientUserIds: ['usr_payer'] } as DealCommand,
        null,
        agent,
        'deal_payer_is_recipient',
      ],
      [{ ...createCommand, payerId: 'usr_agent' } as DealCommand, null, agent, 'deal_payer_is_recipient'],
      [{ ...createCommand, title: '  ' } as DealCommand, null, agent, 'deal_invalid'],
      [{ ...createCommand, milestones: [] } as DealCommand, null, agent, 'deal_invalid'],
      [
        {
          ...createCommand,
          amount: 100_000n,
          milestones: [
            {
              ...milestone('m1', 100_000n, { kind: 'immediate' }),
              rules: [{ recipientId: 'r', share: { percentBp: 9000 } }],
              payoutIds: ['p'],
            },
          ],
        } as DealCommand,
        null,
        agent,
        'split_percent_not_100',
      ],
      [{ kind: 'submit' }, null, agent, 'deal_not_found'],
      [{ kind: 'submit' }, draft, stranger, 'deal_not_found'],
      [{ kind: 'submit' }, draft, payer, 'deal_forbidden'],
      [{ kind: 'submit' }, fundedDeal, agent, 'deal_wrong_status'],
      [{ kind: 'fund', incomingTransactionId: 'x', amount: 1n }, draft, agent, 'deal_forbidden'],
      [{ kind: 'confirm_milestone', milestoneId: 'm2' }, fundedDeal, agent, 'deal_forbidden'],
      [{ kind: 'confirm_milestone', milestoneId: 'm1' }, fundedDeal, payer, 'milestone_not_confirmable'],
      [{ kind: 'confirm_milestone', milestoneId: 'nope' }, fundedDeal, payer, 'milestone_not_found'],
      [{ kind: 'retry_payout', payoutId: 'po_m1_1' }, fundedDeal, agent, 'payout_not_failed'],
      [{ kind: 'retry_payout', payoutId: 'nope' }, fundedDeal, agent, 'payout_not_found'],
      [{ kind: 'open_dispute', disputeId: 'd', reason: 'r' }, draft, payer, 'deal_wrong_status'],
      [{ kind: 'resolve_dispute', outcome: 'release' }, fundedDeal, operator, 'deal_wrong_status'],
    ];
    for (const [command, deal, actor, code] of cases)
      assert.equal(types(decide(command, deal, actor, t0)), code, `${command.kind} → ${code}`);
    const awaiting = given(funded.slice(0, 3)).deal;
    assert.equal(
      types(decide({ kind: 'fund', incomingTransactionId: 'in_9', amount: 299_999n }, awaiting, bank, t0)),
      'funding_amount_mismatch',
    );
    const disputed = given([...funded, [{ kind: 'open_dispute', disputeId: 'd', reason: 'r' }, payer]]).deal;
    assert.equal(
      types(
        decide({ kind: 'resolve_dispute', outcome: { partialRefund: 200_001n } }, disputed, operator, t0),
      ),
      'refund_amount_invalid',
    );
    const named = (disputeId: string) =>
      types(decide({ kind: 'resolve_dispute', disputeId, outcome: 'release' }, disputed, operator, t0));
    assert.equal(named('other'), 'dispute_not_found', 'a resolution names the open dispute');
    assert.equal(
      types(decide({ kind: 'resolve_dispute', disputeId: 'other', outcome: 'release' }, disputed, payer, t0)),
      'deal_forbidden',
      'a party learns nothing of dispute ids',
    );
    assert.notEqual(named('d'), 'dispute_not_found');
  });
});

describe('bank reports in any order', () => {
  it('given the payout reports of a deal duplicated and shuffled, then the deal ends as it would in the clean order', () => {
    const start = given([...funded, [{ kind: 'confirm_milestone', milestoneId: 'm2' }, payer]]).deal;
    const ids = start.milestones.flatMap((m) => m.payouts.map((p) => p.id));
    const clean = ids.reduce((deal, id) => apply(deal, { kind: 'payout_completed', payoutId: id }), start);
    assert.equal(clean.status, 'completed');
    const report = fc.oneof(
      fc.constantFrom(...ids).map((payoutId): DealCommand => ({ kind: 'payout_completed', payoutId })),
      fc
        .constantFrom(...ids)
        .map((payoutId): DealCommand => ({ kind: 'payout_failed', payoutId, reason: 'late' })),
    );
    fc.assert(
      fc.property(
        fc.array(report, { maxLength: 30 }),
        fc.shuffledSubarray(ids, { minLength: ids.length }),
        (noise, order) => {
          // Stale failures and duplicates arrive first, then every payout's success in some order (the bank's
          // final word, which reconciliation always fetches); failures are retried as an agent would.
          let deal = noise.reduce(apply, start);
          for (const id of order) {
            deal = apply(deal, { kind: 'payout_completed', payoutId: id });
            deal = apply(deal, { kind: 'payout_failed', payoutId: id, reason: 'late duplicate' });
          }
          assert.equal(deal.status, 'completed');
          assert.deepEqual(
            deal.milestones.map((m) => m.payouts.map((p) => [p.id, p.status, p.amount])),
            clean.milestones.map((m) => m.payouts.map((p) => [p.id, p.status, p.amount])),
          );
        },
      ),
    );
  });
});

function apply(deal: Deal, command: DealCommand): Deal {
  const d = decide(command, deal, bank, t0);
  assert.ok(d.ok, d.ok ? '' : d.code);
  return d.events.reduce<Deal>((s, e) => evolve(s, e), deal);
}
