import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpText, buildMilestone, emptyMilestone, type MilestoneRow, parsePercentBp } from './deal-form.ts';

const row = (patch: Partial<MilestoneRow>): MilestoneRow => ({ ...emptyMilestone(), ...patch });

describe('the deal wizard’s form', () => {
  it('reads percentages as basis points by text, never through a float', () => {
    assert.equal(parsePercentBp('60'), 6000);
    assert.equal(parsePercentBp('33,33'), 3333);
    assert.equal(parsePercentBp('0.01 %'), 1);
    assert.equal(parsePercentBp('100'), 10_000);
    // 0.1 + 0.2 would not be 0.3 in a float; here it is plain digits.
    assert.equal(parsePercentBp('0,3'), 30);
    for (const bad of ['', '0', '100,01', '33,333', '1e2', '-5', 'abc'])
      assert.equal(parsePercentBp(bad), null, bad);
    assert.equal(bpText(3333), '33.33');
    assert.equal(bpText(6000), '60');
    assert.equal(bpText(5), '0.05');
  });

  it('builds the API’s milestone from what a person typed, or names the first wrong field', () => {
    const built = buildMilestone(
      row({
        title: ' Deposit ',
        amount: '1 000,01',
        release: 'payer_confirms',
        recipients: [
          { recipientId: 'rcp_fee', kind: 'fixed', value: '10' },
          { recipientId: 'rcp_a', kind: 'percent', value: '33,33' },
          { recipientId: 'rcp_b', kind: 'percent', value: '66,67' },
        ],
      }),
    );
    assert.deepEqual(built, {
      ok: true,
      milestone: {
        title: 'Deposit',
        amount: 100_001,
        release: { kind: 'payer_confirms' },
        recipients: [
          { recipientId: 'rcp_fee', share: { fixed: 1_000 } },
          { recipientId: 'rcp_a', share: { percentBp: 3333 } },
          { recipientId: 'rcp_b', share: { percentBp: 6667 } },
        ],
      },
    });
    const ok = {
      title: 'x',
      amount: '10',
      recipients: [{ recipientId: 'rcp_a', kind: 'percent', value: '100' }],
    } as const;
    assert.deepEqual(buildMilestone(row({ ...ok, title: ' ' })), { ok: false, error: { field: 'title' } });
    assert.deepEqual(buildMilestone(row({ ...ok, amount: '1,234' })), {
      ok: false,
      error: { field: 'amount' },
    });
    assert.deepEqual(buildMilestone(row({ ...ok, release: 'hold_hours', hours: '0' })), {
      ok: false,
      error: { field: 'hours' },
    });
    assert.deepEqual(buildMilestone(row({ ...ok, release: 'hold_hours', hours: '48' })).ok, true);
    assert.deepEqual(
      buildMilestone(row({ ...ok, recipients: [{ recipientId: 'rcp a', kind: 'percent', value: '100' }] })),
      { ok: false, error: { field: 'recipientId', index: 0 } },
    );
    assert.deepEqual(
      buildMilestone(row({ ...ok, recipients: [{ recipientId: 'rcp_a', kind: 'fixed', value: '1,001' }] })),
      { ok: false, error: { field: 'share', index: 0 } },
    );
  });
});
