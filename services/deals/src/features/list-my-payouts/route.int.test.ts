import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dealBody, type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
let mine: string;
let theirs: string;

before(async () => {
  h = await startDeals();
  mine = await h.recipient('usr_me');
  theirs = await h.recipient('usr_them');
});
after(async () => {
  await h?.close();
});

const list = (sub: string, query = '') =>
  h.as(sub, ['customer'], { method: 'GET', url: `/v1/recipients/me/payouts${query}` });

/** A deal split 70/30 between my profile and theirs, submitted, funded and released. */
async function releasedDeal(): Promise<{ dealId: string; myPayout: string; theirPayout: string }> {
  const created = await h.as('usr_agent', ['agent'], {
    method: 'POST',
    url: '/v1/deals',
    payload: dealBody('usr_payer', [
      [mine, 7_000],
      [theirs, 3_000],
    ]),
  });
  assert.equal(created.statusCode, 201, created.body);
  const deal = created.json();
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
  await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: `bank_${deal.id}` });
  await h.bank(deal.id, { kind: 'fund', incomingTransactionId: `in_${deal.id}`, amount: 100_000n });
  await h.as('usr_payer', ['customer'], {
    method: 'POST',
    url: `/v1/deals/${deal.id}/milestones/${deal.milestones[0].id}/confirm`,
  });
  const [a, b] = deal.milestones[0].payouts;
  return { dealId: deal.id, myPayout: a.id, theirPayout: b.id };
}

describe('GET /v1/recipients/me/payouts', () => {
  it("answers the caller's payouts with deal, milestone, amount, hold and receipt; another user's are not shown", async () => {
    const draft = await h.draft('usr_agent', 'usr_payer', mine);
    const { dealId, myPayout, theirPayout } = await releasedDeal();
    await h.bank(dealId, {
      kind: 'hold_payout',
      payoutId: myPayout,
      reason: 'npd_not_active',
      detail: 'NPD status NOT_ACTIVE',
    });
    const res = await list('usr_me');
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json();
    assert.equal(page.nextCursor, null);
    assert.deepEqual(
      page.data.map((p: Record<string, unknown>) => [p.id, p.dealId, p.amount, p.status, p.hold, p.receipt]),
      [
        [
          myPayout,
          dealId,
          70_000,
          'held',
          { reason: 'npd_not_active', detail: 'NPD status NOT_ACTIVE' },
          null,
        ],
      ],
      "the draft's payout is not listed, nor the other recipient's",
    );
    assert.equal(page.data[0].milestoneTitle, 'Keys handed over');
    assert.ok(!JSON.stringify(page).includes(theirPayout));
    assert.ok(!JSON.stringify(page).includes(draft.id));

    const them = (await list('usr_them')).json();
    assert.deepEqual(
      them.data.map((p: { id: string; status: string }) => [p.id, p.status]),
      [[theirPayout, 'pending']],
    );
    // A user without a payout profile has no payouts, not someone else's.
    assert.deepEqual((await list('usr_nobody')).json(), { data: [], nextCursor: null });
  });

  it('follows the payout: resumed, paid with its time, its receipt issued then annulled', async () => {
    const { dealId, myPayout } = await releasedDeal();
    await h.bank(dealId, { kind: 'hold_payout', payoutId: myPayout, reason: 'npd_not_active', detail: 'x' });
    await h.bank(dealId, { kind: 'resume_payout', payoutId: myPayout });
    await h.bank(dealId, { kind: 'payout_completed', payoutId: myPayout });
    for (const status of ['IN_PROGRESS', 'SUCCESS', 'CANCELED'] as const)
      await h.bank(dealId, {
        kind: 'record_receipt',
        payoutId: myPayout,
        status,
        receiptNumber: status === 'IN_PROGRESS' ? null : '20abc',
        link: null,
      });
    const shown = (await list('usr_me')).json().data.find((p: { id: string }) => p.id === myPayout);
    assert.deepEqual(
      [shown.status, shown.hold, shown.receipt, shown.paidAt],
      ['paid', null, { status: 'CANCELED', receiptNumber: '20abc', link: null }, h.clock.now().toISOString()],
    );
  });

  it('pages newest first by cursor, and refuses a forged cursor with 400', async () => {
    const res = (await list('usr_me', '?limit=1')).json();
    assert.equal(res.data.length, 1);
    assert.ok(res.nextCursor);
    const next = (await list('usr_me', `?limit=1&cursor=${encodeURIComponent(res.nextCursor)}`)).json();
    assert.equal(next.data.length, 1);
    assert.ok(next.data[0].id < res.data[0].id);
    const forged = await list('usr_me', '?cursor=not-a-cursor');
    assert.equal(forged.statusCode, 400, forged.body);
  });
});
