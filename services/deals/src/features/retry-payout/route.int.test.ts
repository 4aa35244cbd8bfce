import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DealJson, type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
let rcp: string;

before(async () => {
  h = await startDeals();
  rcp = await h.recipient('usr_agent');
});
after(async () => {
  await h?.close();
});

/** A deal whose only milestone was confirmed and released, and whose payout the bank reported failed. */
async function failedPayout(): Promise<{ deal: DealJson; payoutId: string }> {
  const deal = await h.draft('usr_agent', 'usr_payer', rcp);
  const milestoneId = deal.milestones[0]!.id;
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
  await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: `bank_${deal.id}` });
  await h.bank(deal.id, { kind: 'fund', incomingTransactionId: `in_${deal.id}`, amount: 100_000n });
  const confirmed = await h.as('usr_payer', ['customer'], {
    method: 'POST',
    url: `/v1/deals/${deal.id}/milestones/${milestoneId}/confirm`,
  });
  const payoutId = confirmed.json().milestones[0].payouts[0].id as string;
  await h.bank(deal.id, { kind: 'payout_failed', payoutId, reason: 'account closed' });
  return { deal, payoutId };
}

const retry = (dealId: string, payoutId: string, sub = 'usr_agent') =>
  h.as(sub, ['agent'], { method: 'POST', url: `/v1/deals/${dealId}/payouts/${payoutId}/retry` });

describe('POST /v1/deals/{id}/payouts/{payoutId}/retry', () => {
  it('given a failed payout, then the agent records a retry and the payout is pending again', async () => {
    const { deal, payoutId } = await failedPayout();
    const shown = await h.as('usr_agent', ['agent'], { method: 'GET', url: `/v1/deals/${deal.id}` });
    assert.deepEqual(
      [shown.json().milestones[0].payouts[0].status, shown.json().milestones[0].payouts[0].failure],
      ['failed', 'account closed'],
    );
    const res = await retry(deal.id, payoutId);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().milestones[0].payouts[0].status, 'pending');
    const again = await retry(deal.id, payoutId);
    assert.deepEqual([again.statusCode, again.json().code], [409, 'payout_not_failed']);
  });

  it('refuses the payer (403), an unknown payout (404) and a stranger (404)', async () => {
    const { deal, payoutId } = await failedPayout();
    const payer = await retry(deal.id, payoutId, 'usr_payer');
    assert.deepEqual([payer.statusCode, payer.json().code], [403, 'deal_forbidden']);
    const unknown = await retry(deal.id, 'pay_nope');
    assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'payout_not_found']);
    const stranger = await retry(deal.id, payoutId, 'usr_stranger');
    assert.deepEqual([stranger.statusCode, stranger.json().code], [404, 'deal_not_found']);
  });
});
