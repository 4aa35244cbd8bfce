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

const cancel = (id: string, sub: string) =>
  h.as(sub, ['customer'], { method: 'POST', url: `/v1/deals/${id}/cancel` });

describe('POST /v1/deals/{id}/cancel', () => {
  it('given a draft, then either party cancels it, with nothing to refund', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const res = await cancel(deal.id, 'usr_payer');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().status, res.json().refundedAmount], ['cancelled', 0]);
  });

  it('given a funded deal, then cancelling records the held amount to be refunded; the bank is not called', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
    await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: 'bank_1' });
    await h.bank(deal.id, { kind: 'fund', incomingTransactionId: 'in_1', amount: 100_000n });
    const res = await cancel(deal.id, 'usr_agent');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().status, res.json().refundedAmount], ['cancelled', 100_000]);
    const again = await cancel(deal.id, 'usr_agent');
    assert.deepEqual([again.statusCode, again.json().code], [409, 'deal_not_cancellable']);
  });

  it('refuses a stranger with 404, as if the deal did not exist', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const res = await cancel(deal.id, 'usr_stranger');
    assert.deepEqual([res.statusCode, res.json().code], [404, 'deal_not_found']);
  });
});
