import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deal } from './deal.ts';
import { type Actor, type DealCommand, decide } from './decide.ts';
import type { DealEvent } from './events.ts';
import { evolve } from './evolve.ts';
import { NPD_YEAR_INCOME_LIMIT, npdVerdict, taxYearStart } from './self-employed.ts';

/**
 * Given/when/then for a self-employed recipient's payout: held while the NPD status or the yearly limit
 * forbids it, resumed, paid, and its receipt followed to an annulment that operators are shown.
 */
const t0 = new Date('2026-12-01T10:00:00Z');
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const system: Actor = { kind: 'system' };

const steps: Array<[DealCommand, Actor]> = [
  [
    {
      kind: 'create',
      dealId: 'deal_se',
      title: 'Design',
      payerId: 'usr_payer',
      amount: 10_000n,
      milestones: [
        {
          id: 'm1',
          title: 'all',
          amount: 10_000n,
          release: { kind: 'immediate' },
          rules: [
            { recipientId: 'rcp_se', share: { percentBp: 5_000 } },
            { recipientId: 'rcp_co', share: { percentBp: 5_000 } },
          ],
          payoutIds: ['po_se', 'po_co'],
        },
      ],
      recipientUserIds: ['usr_se', 'usr_co'],
    },
    agent,
  ],
  [{ kind: 'submit' }, agent],
  [{ kind: 'registered_at_bank', bankDealId: 'bank_1' }, system],
  [{ kind: 'fund', incomingTransactionId: 'in_1', amount: 10_000n }, system],
];

function given(more: Array<[DealCommand, Actor]> = []): Deal {
  let deal: Deal | null = null;
  for (const [c, actor] of [...steps, ...more]) {
    const d = decide(c, deal, actor, t0);
    assert.ok(d.ok, `${c.kind}: ${d.ok ? '' : d.code}`);
    deal = d.events.reduce<Deal | null>(evolve, deal);
  }
  assert.ok(deal);
  return deal;
}

const when = (deal: Deal, c: DealCommand, actor: Actor = system) => decide(c, deal, actor, t0);
const eventsOf = (d: ReturnType<typeof decide>): readonly DealEvent[] => {
  assert.ok(d.ok, d.ok ? '' : d.code);
  return d.events;
};
const payout = (deal: Deal, id: string) => deal.milestones[0]!.payouts.find((p) => p.id === id)!;
const hold: DealCommand = {
  kind: 'hold_payout',
  payoutId: 'po_se',
  reason: 'npd_not_active',
  detail: 'NPD status NOT_ACTIVE',
};
const paid = (id: string): [DealCommand, Actor] => [{ kind: 'payout_completed', payoutId: id }, system];

describe('a self-employed payout held and resumed', () => {
  it('given a released milestone, when the worker holds its payout, then it is held with the reason', () => {
    const deal = given();
    const events = eventsOf(when(deal, hold));
    assert.deepEqual(events, [
      {
        type: 'deal.payout_held',
        at: t0,
        milestoneId: 'm1',
        payoutId: 'po_se',
        reason: 'npd_not_active',
        detail: 'NPD status NOT_ACTIVE',
      },
    ]);
    const held = events.reduce(evolve, deal);
    assert.deepEqual(
      [payout(held, 'po_se').status, payout(held, 'po_se').hold],
      ['held', { reason: 'npd_not_active', detail: 'NPD status NOT_ACTIVE' }],
    );
    assert.equal(held.milestones[0]!.status, 'released');
  });

  it('given a held payout, when held again for the same reason, then nothing is added; a new reason is news', () => {
    const deal = given([[hold, system]]);
    assert.deepEqual(eventsOf(when(deal, hold)), []);
    const limit: DealCommand = { ...hold, reason: 'npd_year_limit', detail: 'income 2,399,000.00 RUB' };
    assert.deepEqual(
      eventsOf(when(deal, limit)).map((e) => e.type),
      ['deal.payout_held'],
    );
  });

  it('given a held payout, when resumed, then it is pending again without a reason; resuming again adds nothing', () => {
    const deal = given([[hold, system]]);
    const events = eventsOf(when(deal, { kind: 'resume_payout', payoutId: 'po_se' }));
    assert.deepEqual(events, [{ type: 'deal.payout_resumed', at: t0, milestoneId: 'm1', payoutId: 'po_se' }]);
    const resumed = events.reduce(evolve, deal);
    assert.deepEqual([payout(resumed, 'po_se').status, payout(resumed, 'po_se').hold], ['pending', null]);
    assert.deepEqual(eventsOf(when(resumed, { kind: 'resume_payout', payoutId: 'po_se' })), []);
  });

  it('given the other payout paid and the held one paid after it resumed, then the deal completes once', () => {
    const deal = given([
      [hold, system],
      paid('po_co'),
      [{ kind: 'resume_payout', payoutId: 'po_se' }, system],
    ]);
    assert.equal(deal.status, 'releasing');
    assert.deepEqual(
      eventsOf(when(deal, { kind: 'payout_completed', payoutId: 'po_se' })).map((e) => e.type),
      ['deal.payout_completed', 'deal.completed'],
    );
  });

  it('given a paid payout, when held, then nothing is added; a user cannot hold, resume or record a receipt', () => {
    const deal = given([paid('po_se')]);
    assert.deepEqual(eventsOf(when(deal, hold)), []);
    for (const c of [
      hold,
      { kind: 'resume_payout', payoutId: 'po_se' } as const,
      {
        kind: 'record_receipt',
        payoutId: 'po_se',
        status: 'SUCCESS',
        receiptNumber: 'r1',
        link: null,
      } as const,
    ])
      assert.deepEqual(when(deal, c, agent), { ok: false, code: 'deal_forbidden' });
    assert.deepEqual(when(deal, { ...hold, payoutId: 'po_nope' }), { ok: false, code: 'payout_not_found' });
  });
});

describe("a self-employed payout's receipt", () => {
  const receipt = (status: 'IN_PROGRESS' | 'SUCCESS' | 'CANCELED', receiptNumber: string | null = null) =>
    ({ kind: 'record_receipt', payoutId: 'po_se', status, receiptNumber, link: null }) as const;

  it('given an unpaid payout, when a receipt is recorded, then it is refused', () => {
    assert.deepEqual(when(given(), receipt('IN_PROGRESS')), { ok: false, code: 'payout_not_paid' });
  });

  it('given a paid payout, when the receipt goes IN_PROGRESS then SUCCESS, then each change is one event and a repeat none', () => {
    let deal = given([paid('po_se')]);
    deal = eventsOf(when(deal, receipt('IN_PROGRESS'))).reduce(evolve, deal);
    assert.deepEqual(eventsOf(when(deal, receipt('IN_PROGRESS'))), []);
    const issued = eventsOf(when(deal, receipt('SUCCESS', '20abc')));
    assert.deepEqual(
      issued.map((e) => e.type),
      ['deal.receipt_updated'],
    );
    deal = issued.reduce(evolve, deal);
    assert.deepEqual(payout(deal, 'po_se').receipt, {
      status: 'SUCCESS',
      receiptNumber: '20abc',
      link: null,
    });
  });

  it('given an issued receipt, when it is annulled, then the receipt is CANCELED and flagged by receipt_cancelled', () => {
    const deal = given([paid('po_se'), [receipt('SUCCESS', '20abc'), system]]);
    const events = eventsOf(when(deal, receipt('CANCELED', '20abc')));
    assert.deepEqual(
      events.map((e) => e.type),
      ['deal.receipt_updated', 'deal.receipt_cancelled'],
    );
    assert.equal(payout(events.reduce(evolve, deal), 'po_se').receipt?.status, 'CANCELED');
  });
});

describe('whether a self-employed payout may be paid now', () => {
  const base = { npdStatus: 'ACTIVE', paidThisYear: 0n, inFlight: 0n, amount: 100_00n };

  it('given an ACTIVE status within the limit, then it is paid', () => {
    assert.deepEqual(npdVerdict(base), { pay: true });
  });

  it('given any other NPD status, then it waits as npd_not_active with the status', () => {
    for (const npdStatus of ['NOT_ACTIVE', 'NOT_CONFIRM', 'REGISTRATION_WAIT']) {
      const v = npdVerdict({ ...base, npdStatus });
      assert.ok(!v.pay);
      assert.equal(v.reason, 'npd_not_active');
      assert.match(v.detail, new RegExp(npdStatus));
    }
  });

  it('given the income this year plus the payout reaching exactly 2,400,000 RUB, then it is paid; a kopeck more waits', () => {
    assert.equal(NPD_YEAR_INCOME_LIMIT, 240_000_000n);
    const upTo = { ...base, paidThisYear: 239_000_000n, inFlight: 900_000n, amount: 100_000n };
    assert.deepEqual(npdVerdict(upTo), { pay: true });
    const over = npdVerdict({ ...upTo, amount: 100_001n });
    assert.ok(!over.pay);
    assert.equal(over.reason, 'npd_year_limit');
    assert.match(over.detail, /2400000\.01 RUB, above the 2400000 RUB limit/);
  });

  it("the tax year starts on Moscow's 1 January, 21:00 UTC the day before", () => {
    assert.equal(taxYearStart(new Date('2026-12-31T20:59:59Z')).toISOString(), '2025-12-31T21:00:00.000Z');
    assert.equal(taxYearStart(new Date('2026-12-31T21:00:00Z')).toISOString(), '2026-12-31T21:00:00.000Z');
    assert.equal(taxYearStart(new Date('2026-06-01T00:00:00Z')).toISOString(), '2025-12-31T21:00:00.000Z');
  });
});
