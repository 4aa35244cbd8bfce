import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Deal, heldAmount } from './deal.ts';
import { type Actor, type DealCommand, decide, type NewMilestone } from './decide.ts';
import { evolve } from './evolve.ts';
import {
  accountSpecOf,
  escrowOf,
  type LedgerTask,
  ledgerIdempotencyKey,
  ledgerTasksFor,
  NOMINAL,
  payoutOf,
  SETTLEMENT,
} from './ledger-tasks.ts';

const t0 = new Date('2026-12-01T10:00:00Z');
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const payer: Actor = { kind: 'user', userId: 'usr_payer', staff: false, agent: false };
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

const setUp = (amounts: readonly [bigint, bigint], firstImmediate = true): Array<[DealCommand, Actor]> => [
  [
    {
      kind: 'create',
      dealId: 'deal_1',
      title: 'Flat',
      payerId: 'usr_payer',
      amount: amounts[0] + amounts[1],
      milestones: [
        milestone('m1', amounts[0], { kind: firstImmediate ? 'immediate' : 'payer_confirms' }),
        milestone('m2', amounts[1], { kind: 'payer_confirms' }),
      ],
      recipientUserIds: ['usr_agent', 'usr_agency'],
    },
    agent,
  ],
  [{ kind: 'submit' }, agent],
  [{ kind: 'registered_at_bank', bankDealId: 'bank_1' }, bank],
  [{ kind: 'fund', incomingTransactionId: 'in_1', amount: amounts[0] + amounts[1] }, bank],
];

/** Runs commands (a refused one changes nothing), moving money in a model ledger as the tasks say. */
function run(
  steps: ReadonlyArray<[DealCommand, Actor]>,
  onMove?: (books: Map<string, bigint>, deal: Deal) => void,
) {
  let deal: Deal | null = null;
  const books = new Map<string, bigint>();
  const tasks: Array<{ key: string; task: LedgerTask }> = [];
  let n = 0;
  for (const [command, actor] of steps) {
    const d = decide(command, deal, actor, t0);
    if (!d.ok) continue;
    for (const e of d.events) {
      const keyed = ledgerTasksFor(e, `evt_${++n}`, deal);
      deal = evolve(deal, e);
      for (const t of keyed) {
        tasks.push(t);
        const { from, to, amount } = t.task;
        books.set(from, (books.get(from) ?? 0n) - amount);
        books.set(to, (books.get(to) ?? 0n) + amount);
        onMove?.(books, deal);
      }
    }
  }
  assert.ok(deal);
  return { deal, books, tasks };
}

const payoutIds = ['po_m1_1', 'po_m1_2', 'po_m1_3', 'po_m2_1', 'po_m2_2', 'po_m2_3'];
const command: fc.Arbitrary<[DealCommand, Actor]> = fc.oneof(
  fc
    .constantFrom(...payoutIds)
    .map((payoutId): [DealCommand, Actor] => [{ kind: 'payout_completed', payoutId }, bank]),
  fc
    .constantFrom(...payoutIds)
    .map((payoutId): [DealCommand, Actor] => [{ kind: 'payout_failed', payoutId, reason: 'closed' }, bank]),
  fc
    .constantFrom(...payoutIds)
    .map((payoutId): [DealCommand, Actor] => [{ kind: 'retry_payout', payoutId }, agent]),
  fc
    .constantFrom('m1', 'm2')
    .map((milestoneId): [DealCommand, Actor] => [{ kind: 'confirm_milestone', milestoneId }, payer]),
  fc.constant<[DealCommand, Actor]>([{ kind: 'cancel' }, payer]),
  fc.constant<[DealCommand, Actor]>([{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'late' }, payer]),
  fc.constant<[DealCommand, Actor]>([{ kind: 'resolve_dispute', outcome: 'release' }, operator]),
  fc.constant<[DealCommand, Actor]>([{ kind: 'resolve_dispute', outcome: 'full_refund' }, operator]),
  fc
    .bigInt({ min: 1n, max: 300_000n })
    .map((partialRefund): [DealCommand, Actor] => [
      { kind: 'resolve_dispute', outcome: { partialRefund } },
      operator,
    ]),
);
const amounts = fc.tuple(
  fc.bigInt({ min: 1_000n, max: 200_000n }),
  fc.bigInt({ min: 1_000n, max: 200_000n }),
);

describe('ledgerTasksFor', () => {
  it('credits the escrow from the nominal account when the deal is funded, keyed by the event', () => {
    const { tasks, books } = run(setUp([100_000n, 200_000n]));
    assert.deepEqual(tasks[0], {
      key: 'evt_4/fund_escrow',
      task: { kind: 'fund_escrow', from: NOMINAL, to: escrowOf('deal_1'), amount: 300_000n },
    });
    // The immediate milestone was released with the funding: its shares went to the payout accounts.
    assert.deepEqual(
      tasks.slice(1).map((t) => [t.key, t.task.to, t.task.amount]),
      [
        ['evt_5/release_payout/po_m1_1', payoutOf('rcp_agent'), 70_000n],
        ['evt_5/release_payout/po_m1_2', payoutOf('rcp_agency'), 29_000n],
        ['evt_5/release_payout/po_m1_3', payoutOf('rcp_fee'), 1_000n],
      ],
    );
    assert.equal(books.get(escrowOf('deal_1')), 200_000n);
  });

  it('moves a paid share from the payout account to settlement, and nothing for a failed one', () => {
    const { books, tasks } = run([
      ...setUp([100_000n, 200_000n]),
      [{ kind: 'payout_completed', payoutId: 'po_m1_1' }, bank],
      [{ kind: 'payout_failed', payoutId: 'po_m1_2', reason: 'account closed' }, bank],
    ]);
    assert.deepEqual(tasks.at(-1)?.task, {
      kind: 'settle_payout',
      from: payoutOf('rcp_agent'),
      to: SETTLEMENT,
      amount: 70_000n,
    });
    assert.equal(books.get(payoutOf('rcp_agency')), 29_000n);
    assert.equal(books.get(SETTLEMENT), 70_000n);
  });

  it('returns a refund and a cancelled funded deal to the nominal account; an unfunded cancel moves nothing', () => {
    const cancelled = run([...setUp([100_000n, 200_000n]).slice(0, 3), [{ kind: 'cancel' }, payer]]);
    assert.deepEqual(cancelled.tasks, []);
    const fundedThenCancelled = run([...setUp([100_000n, 200_000n], false), [{ kind: 'cancel' }, payer]]);
    assert.deepEqual(fundedThenCancelled.tasks.at(-1), {
      key: 'evt_5/refund_escrow',
      task: { kind: 'refund_escrow', from: escrowOf('deal_1'), to: NOMINAL, amount: 300_000n },
    });
    assert.equal(fundedThenCancelled.books.get(NOMINAL), 0n);
    const refunded = run([
      ...setUp([100_000n, 200_000n]),
      [{ kind: 'open_dispute', disputeId: 'dsp_1', reason: 'late' }, payer],
      [{ kind: 'resolve_dispute', outcome: 'full_refund' }, operator],
    ]);
    assert.deepEqual(refunded.tasks.at(-1)?.task, {
      kind: 'refund_escrow',
      from: escrowOf('deal_1'),
      to: NOMINAL,
      amount: 200_000n,
    });
    assert.equal(refunded.books.get(escrowOf('deal_1')), 0n);
  });

  it('for any sequence of commands: the escrow is never negative, holds what the deal holds, and ends at 0', () => {
    fc.assert(
      fc.property(amounts, fc.boolean(), fc.array(command, { maxLength: 40 }), (a, immediate, commands) => {
        const escrow = escrowOf('deal_1');
        const { deal, books } = run([...setUp(a, immediate), ...commands], (b, d) => {
          assert.ok((b.get(escrow) ?? 0n) >= 0n, 'the escrow went negative');
          for (const [subject, v] of b) if (subject !== NOMINAL) assert.ok(v >= 0n, `${subject} below zero`);
          assert.ok(d);
        });
        // Whatever happened, the escrow is exactly the money the deal still holds, and the ledger sums to 0.
        assert.equal(books.get(escrow) ?? 0n, heldAmount(deal));
        assert.equal(
          [...books.values()].reduce((x, y) => x + y, 0n),
          0n,
        );
        // What is owed to recipients is exactly their released shares not yet paid.
        let owed = 0n;
        for (const m of deal.milestones)
          if (m.status === 'released' || m.status === 'paid')
            for (const p of m.payouts) if (p.status !== 'paid') owed += p.amount;
        const onPayout = [...books].filter(([s]) => s.startsWith('payout:')).reduce((x, [, v]) => x + v, 0n);
        assert.equal(onPayout, owed);
        if (deal.status === 'completed' || deal.status === 'refunded' || deal.status === 'cancelled')
          assert.equal(books.get(escrow) ?? 0n, 0n);
        if (deal.status === 'completed') assert.equal(onPayout, 0n);
      }),
      { numRuns: 300 },
    );
  });

  it('a completed deal leaves its escrow at 0 and every share in settlement', () => {
    fc.assert(
      fc.property(amounts, fc.shuffledSubarray(payoutIds, { minLength: 6 }), (a, order) => {
        const steps: Array<[DealCommand, Actor]> = [
          ...setUp(a),
          [{ kind: 'confirm_milestone', milestoneId: 'm2' }, payer],
          ...order.map((payoutId): [DealCommand, Actor] => [{ kind: 'payout_completed', payoutId }, bank]),
        ];
        const { deal, books } = run(steps);
        assert.equal(deal.status, 'completed');
        assert.equal(books.get(escrowOf('deal_1')), 0n);
        assert.equal(books.get(SETTLEMENT), a[0] + a[1]);
        assert.equal(books.get(NOMINAL), -(a[0] + a[1]));
      }),
    );
  });

  it('derives the same tasks and keys from the same event every time', () => {
    const first = run(setUp([100_000n, 200_000n])).tasks;
    assert.deepEqual(run(setUp([100_000n, 200_000n])).tasks, first);
    assert.equal(new Set(first.map((t) => t.key)).size, first.length);
  });
});

describe('accounts and keys', () => {
  it('lets only the nominal account go negative', () => {
    assert.equal(accountSpecOf(NOMINAL).allowNegative, true);
    for (const s of [SETTLEMENT, escrowOf('deal_1'), payoutOf('rcp_1')])
      assert.equal(accountSpecOf(s).allowNegative, false);
    assert.deepEqual(accountSpecOf(escrowOf('deal_1')).metadata, {
      ledger: 'deals_escrow',
      dealId: 'deal_1',
    });
  });

  it('derives stable UUID keys that differ between accounts and tasks', () => {
    const k = ledgerIdempotencyKey({ task: 'evt_1/fund_escrow' });
    assert.equal(k, ledgerIdempotencyKey({ task: 'evt_1/fund_escrow' }));
    assert.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(
      ledgerIdempotencyKey({ account: escrowOf('deal_1') }),
      ledgerIdempotencyKey({ account: escrowOf('deal_2') }),
    );
    assert.notEqual(k, ledgerIdempotencyKey({ task: 'evt_2/fund_escrow' }));
  });
});
