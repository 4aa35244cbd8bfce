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

async function disputedDeal(): Promise<DealJson & { disputeId: string }> {
  const deal = await h.draft('usr_agent', 'usr_payer', rcp);
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
  await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: `bank_${deal.id}` });
  await h.bank(deal.id, { kind: 'fund', incomingTransactionId: `in_${deal.id}`, amount: 100_000n });
  const opened = await h.as('usr_payer', ['customer'], {
    method: 'POST',
    url: `/v1/deals/${deal.id}/disputes`,
    payload: { reason: 'No keys' },
  });
  assert.equal(opened.statusCode, 201, opened.body);
  return { ...deal, disputeId: opened.json().dispute.id };
}

const resolve = (
  deal: { id: string; disputeId: string },
  payload: unknown,
  roles = ['operator'],
  sub = 'usr_ops',
) =>
  h.as(sub, roles, {
    method: 'POST',
    url: `/v1/deals/${deal.id}/disputes/${deal.disputeId}/resolve`,
    payload,
  });

describe('POST /v1/deals/{id}/disputes/{disputeId}/resolve', () => {
  it('given a disputed deal, then staff refund part of it, recorded as intent with the split kept', async () => {
    const deal = await disputedDeal();
    const res = await resolve(deal, { outcome: 'partial_refund', amount: 40_000 });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(
      [body.status, body.refundedAmount, body.heldAmount, body.milestones[0].amount, body.dispute],
      ['partially_refunded', 40_000, 60_000, 60_000, null],
    );
  });

  it('given a release, then the deal resumes; refuses a party (403), too large a refund (422), a second resolution (409)', async () => {
    const deal = await disputedDeal();
    const party = await resolve(deal, { outcome: 'release' }, ['customer'], 'usr_payer');
    assert.deepEqual([party.statusCode, party.json().code], [403, 'forbidden']);
    const tooMuch = await resolve(deal, { outcome: 'partial_refund', amount: 100_001 });
    assert.deepEqual([tooMuch.statusCode, tooMuch.json().code], [422, 'refund_amount_invalid']);
    const released = await resolve(deal, { outcome: 'release' }, ['admin'], 'usr_admin');
    assert.deepEqual([released.statusCode, released.json().status], [200, 'funded']);
    const again = await resolve(deal, { outcome: 'full_refund' });
    assert.deepEqual([again.statusCode, again.json().code], [404, 'dispute_not_found'], 'it is closed');
    assert.equal((await resolve(deal, { outcome: 'partial_refund' })).statusCode, 400);
  });

  it('given another dispute id than the open one, then 404 dispute_not_found and the dispute stays open', async () => {
    const deal = await disputedDeal();
    const wrong = await resolve({ id: deal.id, disputeId: 'dsp_other' }, { outcome: 'full_refund' });
    assert.deepEqual([wrong.statusCode, wrong.json().code], [404, 'dispute_not_found']);
    const seen = await h.as('usr_payer', ['customer'], { method: 'GET', url: `/v1/deals/${deal.id}` });
    assert.equal(seen.json().status, 'disputed');
  });
});
