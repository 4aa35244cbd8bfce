/**
 * The split the wizard shows is the deals service's own answer: the form's milestones go to the real
 * POST /v1/deals/split-preview, the lines shown are read from that answer, and a deal created from the
 * same form pays exactly those amounts (the service computes both with one function).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../../services/deals/src/test-support.ts';
import type { SplitPreview } from './api/types.ts';
import { buildMilestone, emptyMilestone, type MilestoneRow, previewLines } from './deal-form.ts';

let h: Harness;
before(async () => {
  h = await startDeals();
});
after(async () => {
  await h?.close();
});

const AGENT = 'usr_agent';

async function preview(m: { amount: number; recipients: unknown }): Promise<SplitPreview> {
  const res = await h.as(AGENT, ['agent'], {
    method: 'POST',
    url: '/v1/deals/split-preview',
    payload: { amount: m.amount, recipients: m.recipients },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

describe('the wizard’s split preview', () => {
  it('shows, line by line, what the deals service answers and then pays', async () => {
    const [fee, a, b] = [
      await h.recipient('usr_fee'),
      await h.recipient('usr_a'),
      await h.recipient('usr_b'),
    ];
    const rows: MilestoneRow[] = [
      {
        ...emptyMilestone(),
        title: 'Deposit',
        amount: '1 000,01',
        recipients: [
          { recipientId: fee, kind: 'fixed', value: '10' },
          { recipientId: a, kind: 'percent', value: '33,33' },
          { recipientId: b, kind: 'percent', value: '66,67' },
        ],
      },
      {
        ...emptyMilestone(),
        title: 'Keys',
        amount: '0,07',
        release: 'payer_confirms',
        recipients: [
          { recipientId: a, kind: 'percent', value: '50' },
          { recipientId: b, kind: 'percent', value: '50' },
        ],
      },
    ];
    const milestones = rows.map((r) => {
      const built = buildMilestone(r);
      assert.ok(built.ok);
      return built.milestone;
    });
    const shown = [];
    for (const m of milestones) {
      const answer = await preview(m);
      const lines = previewLines(m.recipients, answer);
      assert.ok(lines, 'every recipient has its line');
      // The lines are the service's amounts, in the form's order, and they add up to the milestone.
      assert.deepEqual(
        lines.map((l) => [l.recipientId, l.amountMinor]),
        answer.shares.map((s) => [s.recipientId, BigInt(s.amount)]),
      );
      assert.equal(
        lines.reduce((sum, l) => sum + l.amountMinor, 0n),
        BigInt(m.amount),
      );
      shown.push(lines.map((l) => l.amountMinor));
    }
    assert.deepEqual(shown, [
      [1_000n, 32_997n, 66_004n],
      [4n, 3n],
    ]);

    const created = await h.as(AGENT, ['agent'], {
      method: 'POST',
      url: '/v1/deals',
      payload: { title: 'Flat', payerId: 'usr_payer', milestones },
    });
    assert.equal(created.statusCode, 201, created.body);
    const paid = (created.json().milestones as Array<{ payouts: Array<{ amount: number }> }>).map((m) =>
      m.payouts.map((p) => BigInt(p.amount)),
    );
    assert.deepEqual(paid, shown, 'the deal pays what the preview showed');
  });

  it('refuses an answer that does not name every recipient instead of showing zero', () => {
    const rules = [
      { recipientId: 'rcp_a', share: { percentBp: 5000 } },
      { recipientId: 'rcp_b', share: { percentBp: 5000 } },
    ];
    assert.equal(previewLines(rules, { amount: 10, shares: [{ recipientId: 'rcp_a', amount: 10 }] }), null);
  });
});
