import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../test-support.ts';

let h: Harness;

before(async () => {
  h = await startDeals();
});
after(async () => {
  await h?.close();
});

const preview = (payload: unknown) =>
  h.as('usr_agent', ['agent'], {
    method: 'POST',
    url: '/v1/deals/split-preview',
    payload,
    headers: { 'idempotency-key': 'unused' },
  });

describe('POST /v1/deals/split-preview', () => {
  it('given fixed and percentage shares, then fixed come first and the kopecks left go by largest remainder', async () => {
    const res = await preview({
      amount: 100_001,
      recipients: [
        { recipientId: 'rcp_fee', share: { fixed: 1_000 } },
        { recipientId: 'rcp_a', share: { percentBp: 3333 } },
        { recipientId: 'rcp_b', share: { percentBp: 6667 } },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.amount, 100_001);
    assert.deepEqual(
      body.shares.map((s: { amount: number }) => s.amount),
      [1_000, 32_997, 66_004],
    );
    assert.equal(
      body.shares.reduce((sum: number, s: { amount: number }) => sum + s.amount, 0),
      100_001,
    );
  });

  it('answers 422 with a clear code for each rule that cannot add up, and 400 for malformed input', async () => {
    const cases: Array<[unknown, number, string]> = [
      [
        { amount: 1000, recipients: [{ recipientId: 'a', share: { percentBp: 5000 } }] },
        422,
        'split_percent_not_100',
      ],
      [
        { amount: 1000, recipients: [{ recipientId: 'a', share: { fixed: 2000 } }] },
        422,
        'split_fixed_exceeds_amount',
      ],
      [
        { amount: 1000, recipients: [{ recipientId: 'a', share: { fixed: 500 } }] },
        422,
        'split_fixed_not_equal_amount',
      ],
      [
        {
          amount: 1000,
          recipients: [
            { recipientId: 'a', share: { percentBp: 5000 } },
            { recipientId: 'a', share: { percentBp: 5000 } },
          ],
        },
        422,
        'split_duplicate_recipient',
      ],
      [
        {
          amount: 1,
          recipients: [
            { recipientId: 'a', share: { percentBp: 5000 } },
            { recipientId: 'b', share: { percentBp: 5000 } },
          ],
        },
        422,
        'split_share_rounds_to_zero',
      ],
      [{ amount: 1000, recipients: [] }, 400, 'validation_failed'],
      [{ amount: 0, recipients: [{ recipientId: 'a', share: { fixed: 1 } }] }, 400, 'validation_failed'],
      [
        { amount: 1000, recipients: [{ recipientId: 'a', share: { percentBp: 0.5 } }] },
        400,
        'validation_failed',
      ],
      [
        { amount: 1000, recipients: [{ recipientId: 'a', share: { fixed: 1, percentBp: 1 } }] },
        400,
        'validation_failed',
      ],
    ];
    for (const [payload, status, code] of cases) {
      const res = await preview(payload);
      assert.deepEqual([res.statusCode, res.json().code], [status, code], JSON.stringify(payload));
    }
  });
});
