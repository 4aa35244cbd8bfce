import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Deal } from './deal.ts';
import { type Actor, type DealCommand, decide, type NewMilestone } from './decide.ts';
import { evolve } from './evolve.ts';
import {
  type BankDealAnswer,
  type BankState,
  bankHeld,
  catchUpCommand,
  dealDifferences,
  differenceKey,
  type PaymentOutcome,
  payerDifference,
  settleFindings,
} from './reconciliation.ts';

const t0 = new Date('2026-12-01T10:00:00Z');
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const bank: Actor = { kind: 'system' };

const milestone = (id: string, amount: bigint): NewMilestone => ({
  id,
  title: `milestone ${id}`,
  amount,
  release: { kind: 'immediate' },
  rules: [
    { recipientId: 'rcp_agent', share: { percentBp: 7000 } },
    { recipientId: 'rcp_agency', share: { percentBp: 3000 } },
  ],
  payoutIds: [`po_${id}_1`, `po_${id}_2`],
});

const create: DealCommand = {
  kind: 'create',
  dealId: 'deal_1',
  title: 'Flat',
  payerId: 'usr_payer',
  amount: 300_000n,
  milestones: [milestone('m1', 100_000n), milestone('m2', 200_000n)],
  recipientUserIds: ['usr_agent', 'usr_agency'],
};

/** Applies a command; a refusal leaves the deal as it was (as deals logs a refused report and goes on). */
function tryApply(deal: Deal, command: DealCommand, actor: Actor = bank): { deal: Deal; ok: boolean } {
  const d = decide(command, deal, actor, t0);
  if (!d.ok) return { deal, ok: false };
  return { deal: d.events.reduce<Deal>((s, e) => evolve(s, e), deal), ok: true };
}

function submitted(): Deal {
  const created = decide(create, null, agent, t0);
  assert.ok(created.ok);
  const draft = created.events.reduce<Deal | null>((s, e) => evolve(s, e), null);
  assert.ok(draft);
  const deal = tryApply(draft, { kind: 'submit' }, agent).deal;
  assert.equal(deal.status, 'submitted');
  return deal;
}

const PAYOUTS = ['po_m1_1', 'po_m1_2', 'po_m2_1', 'po_m2_2'];

/** Applies reconciliation: the bank's current state, command after command, until nothing is left to say. */
function reconcile(deal: Deal, state: BankState): Deal {
  for (let i = 0; i < 50; i++) {
    const command = catchUpCommand(deal, state);
    if (!command) return deal;
    const next = tryApply(deal, command);
    assert.ok(next.ok, `reconciliation's ${command.kind} was refused`);
    deal = next.deal;
  }
  assert.fail('reconciliation never settled');
}

const shape = (d: Deal) => ({
  status: d.status,
  bankDealId: d.bankDealId,
  fundedBy: d.fundedBy,
  milestones: d.milestones.map((m) => [m.id, m.status, m.payouts.map((p) => [p.id, p.status, p.amount])]),
});

describe("the bank's reports lost, repeated or reordered, then reconciliation", () => {
  it('given any subset of the reports in any order with repeats, then reconciliation ends the deal as the clean order does', () => {
    const outcome = fc.constantFrom<PaymentOutcome>('SUCCEEDED', 'FAILED');
    fc.assert(
      fc.property(
        fc.tuple(outcome, outcome, outcome, outcome),
        fc.array(fc.nat({ max: 1_000 }), { maxLength: 40 }),
        (finals, picks) => {
          const state: BankState = {
            bankDealId: 'bank_1',
            funding: { incomingTransactionId: 'in_1', amount: 300_000n },
            payments: new Map(PAYOUTS.map((id, i) => [id, { status: finals[i]!, reason: 'closed account' }])),
          };
          const final = (i: number) =>
            finals[i] === 'SUCCEEDED'
              ? ({ kind: 'payout_completed', payoutId: PAYOUTS[i]! } as const)
              : ({ kind: 'payout_failed', payoutId: PAYOUTS[i]!, reason: 'closed account' } as const);
          const clean: DealCommand[] = [
            { kind: 'registered_at_bank', bankDealId: 'bank_1' },
            { kind: 'fund', incomingTransactionId: 'in_1', amount: 300_000n },
            ...PAYOUTS.map((_, i) => final(i)),
          ];
          // What the bank may have said at some point: every clean report, and a payout's earlier failure
          // before a retry succeeded.
          const said: DealCommand[] = [
            ...clean,
            ...PAYOUTS.map((payoutId) => ({ kind: 'payout_failed', payoutId, reason: 'timeout' }) as const),
          ];
          const cleanDeal = clean.reduce((d, c) => {
            const next = tryApply(d, c);
            assert.ok(next.ok, c.kind);
            return next.deal;
          }, submitted());

          let deal = submitted();
          for (const p of picks) deal = tryApply(deal, said[p % said.length]!).deal;
          const reconciled = reconcile(deal, state);
          assert.deepEqual(shape(reconciled), shape(cleanDeal));
          assert.equal(catchUpCommand(reconciled, state), undefined, 'a second run has nothing to add');
        },
      ),
    );
  });
});

const accepted = (...steps: Array<[BankDealAnswer['steps'][number]['status'], bigint]>): BankDealAnswer => ({
  status: 'ACCEPTED',
  steps: steps.map(([status, amount]) => ({ status, deponents: [{ amount }] })),
});

describe('differences with the bank', () => {
  const funded = reconcile(submitted(), {
    bankDealId: 'bank_1',
    funding: { incomingTransactionId: 'in_1', amount: 300_000n },
    payments: new Map(),
  });

  it('given an accepted deal, then the bank holds every step not paid out yet, and a draft or cancelled one nothing', () => {
    assert.equal(bankHeld(accepted(['COMPLETED', 100_000n], ['NEW', 200_000n])), 200_000n);
    assert.equal(bankHeld({ ...accepted(['NEW', 1n]), status: 'DRAFT' }), 0n);
    assert.equal(bankHeld({ ...accepted(['NEW', 1n]), status: 'CANCELLED' }), 0n);
  });

  it('given the same state and an escrow equal to the hold, then there is no difference', () => {
    const bankDeal = {
      ...accepted(['PAYMENT_IN_PROGRESS', 100_000n], ['NEW', 200_000n]),
      status: 'IN_PROGRESS' as const,
    };
    assert.deepEqual(dealDifferences(funded, bankDeal, 200_000n), []);
    assert.deepEqual(dealDifferences(funded, bankDeal, undefined), [], 'no ledger read: only the state');
  });

  it('given a deal the bank cancelled or does not know, then a state difference; given another escrow, an escrow one', () => {
    const cancelled = dealDifferences(
      funded,
      { ...accepted(['NEW', 200_000n]), status: 'CANCELLED' },
      200_000n,
    );
    assert.deepEqual(
      cancelled.map((d) => [d.kind, d.ours, d.bank]),
      [
        ['deal_state', { status: 'releasing' }, { status: 'CANCELLED' }],
        ['escrow_balance', { amount: 200_000n }, { amount: 0n }],
      ],
    );
    assert.deepEqual(
      dealDifferences(funded, undefined, 0n).map((d) => d.bank),
      [{ status: 'NOT_FOUND' }],
    );
    const completed = { ...funded, status: 'completed' as const };
    assert.deepEqual(
      dealDifferences(completed, accepted(), 0n).map((d) => d.detail),
      ['deals completed the deal; the bank has not'],
    );
  });

  it("given a payer's virtual account, then it must hold exactly their deals' escrows", () => {
    assert.equal(payerDifference('usr_p', 70_000n, { amount: 0n, amountOnHold: 70_000n }), undefined);
    assert.equal(payerDifference('usr_p', 0n, undefined), undefined);
    assert.deepEqual(payerDifference('usr_p', 0n, { amount: 100_000n, amountOnHold: 0n }), {
      kind: 'virtual_account_balance',
      subject: 'payer:usr_p',
      dealId: null,
      ours: { amount: 0n },
      bank: { amount: 100_000n },
      detail: "the payer's deals hold 0 in balance, their virtual account at the bank has 100000",
    });
  });

  it('given open findings, then a run records the new differences, sees the old ones and closes the gone ones', () => {
    const [a, b] = dealDifferences(funded, { ...accepted(['NEW', 1n]), status: 'CANCELLED' }, 5n);
    assert.ok(a && b);
    const changed = { ...b, bank: { amount: 7n } };
    assert.notEqual(differenceKey(b), differenceKey(changed), 'a changed amount is another difference');
    const open = [
      { seq: 1n, key: differenceKey(a) },
      { seq: 2n, key: differenceKey(b) },
    ];
    assert.deepEqual(settleFindings(open, [a, changed]), { record: [changed], seen: [1n], close: [2n] });
    assert.deepEqual(settleFindings(open, []), { record: [], seen: [], close: [1n, 2n] });
  });
});
