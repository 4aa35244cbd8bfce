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
  h.clock.advance(1_000);
  const opened = await h.as('usr_payer', ['customer'], {
    method: 'POST',
    url: `/v1/deals/${deal.id}/disputes`,
    payload: { reason: 'No keys' },
  });
  assert.equal(opened.statusCode, 201, opened.body);
  return { ...deal, disputeId: opened.json().dispute.id };
}

const queue = (query = '', roles = ['operator']) =>
  h.as('usr_ops', roles, { method: 'GET', url: `/v1/admin/deals/queue${query}` });

describe('GET /v1/admin/deals/queue', () => {
  it('lists open items oldest first in pages; a resolution closes its dispute, a refund the bank cannot make opens an item', async () => {
    const first = await disputedDeal();
    const second = await disputedDeal();
    const third = await disputedDeal();
    const page1 = (await queue('?limit=2')).json();
    const page2 = (await queue(`?limit=2&cursor=${page1.nextCursor}`, ['admin'])).json();
    assert.equal(page2.nextCursor, null);
    assert.deepEqual(
      [...page1.data, ...page2.data].map((i: { dealId: string; kind: string }) => [i.dealId, i.kind]),
      [
        [first.id, 'dispute'],
        [second.id, 'dispute'],
        [third.id, 'dispute'],
      ],
    );
    assert.equal(page1.data[0].reason, 'No keys');
    assert.match(page1.data[0].id, new RegExp(`^${first.id}/dispute/dsp_`));

    const resolved = await h.as('usr_ops', ['operator'], {
      method: 'POST',
      url: `/v1/deals/${first.id}/disputes/${first.disputeId}/resolve`,
      payload: { outcome: 'partial_refund', amount: 10_000 },
    });
    assert.equal(resolved.statusCode, 200, resolved.body);
    h.clock.advance(1_000);
    await h.bank(first.id, {
      kind: 'refund_needs_operator',
      amount: 10_000n,
      reason: 'refund_needs_operator: a payout was already attempted',
    });
    const after = (await queue()).json().data;
    assert.deepEqual(
      after.map((i: { dealId: string; kind: string; reason: string }) => [i.dealId, i.kind, i.reason]),
      [
        [second.id, 'dispute', 'No keys'],
        [third.id, 'dispute', 'No keys'],
        [first.id, 'refund_needs_operator', 'refund_needs_operator: a payout was already attempted'],
      ],
    );
  });

  it('refuses an agent or a customer with 403, and a forged cursor with 400', async () => {
    assert.equal((await queue('', ['agent'])).statusCode, 403);
    assert.equal((await queue('', ['customer'])).statusCode, 403);
    const forged = await queue(`?cursor=${Buffer.from('2026-01-01|x').toString('base64url')}`);
    assert.deepEqual([forged.statusCode, forged.json().code], [400, 'invalid_cursor']);
  });
});
