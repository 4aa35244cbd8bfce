import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
let rcp: string;

before(async () => {
  h = await startDeals();
  rcp = await h.recipient('usr_agent');
});
after(async () => {
  await h?.close();
});

const dispute = (id: string, sub: string, payload: unknown = { reason: 'Keys were not handed over' }) =>
  h.as(sub, ['customer'], { method: 'POST', url: `/v1/deals/${id}/disputes`, payload });

describe('POST /v1/deals/{id}/disputes', () => {
  it('given a funded deal, then a party opens a dispute and the deal is frozen; the payer may not confirm', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
    await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: 'bank_1' });
    await h.bank(deal.id, { kind: 'fund', incomingTransactionId: 'in_1', amount: 100_000n });
    const res = await dispute(deal.id, 'usr_payer');
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.status, 'disputed');
    assert.match(body.dispute.id, /^dsp_/);
    assert.deepEqual(
      [body.dispute.openedBy, body.dispute.reason],
      ['usr_payer', 'Keys were not handed over'],
    );
    const confirm = await h.as('usr_payer', ['customer'], {
      method: 'POST',
      url: `/v1/deals/${deal.id}/milestones/${deal.milestones[0]!.id}/confirm`,
    });
    assert.deepEqual([confirm.statusCode, confirm.json().code], [409, 'deal_disputed']);
  });

  it('refuses a draft (409), a stranger (404) and a missing or oversized reason (400)', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const early = await dispute(deal.id, 'usr_agent');
    assert.deepEqual([early.statusCode, early.json().code], [409, 'deal_wrong_status']);
    const stranger = await dispute(deal.id, 'usr_stranger');
    assert.deepEqual([stranger.statusCode, stranger.json().code], [404, 'deal_not_found']);
    assert.equal((await dispute(deal.id, 'usr_payer', {})).statusCode, 400);
    assert.equal((await dispute(deal.id, 'usr_payer', { reason: 'x'.repeat(2_001) })).statusCode, 400);
  });
});
