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

const events = (id: string, sub: string, query = '') =>
  h.as(sub, ['customer'], { method: 'GET', url: `/v1/deals/${id}/events${query}` });

describe('GET /v1/deals/{id}/events', () => {
  it('given a deal moved on, then its parties read every event in order, with amounts and trace ids, in pages', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    await h.as('usr_agent', ['agent'], {
      method: 'POST',
      url: `/v1/deals/${deal.id}/submit`,
      headers: { 'x-trace-id': 'a'.repeat(32) },
    });
    await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: 'bank_1' });
    const first = await events(deal.id, 'usr_payer', '?limit=2');
    assert.equal(first.statusCode, 200, first.body);
    const page = first.json();
    assert.deepEqual(
      page.data.map((e: { version: number; type: string }) => [e.version, e.type]),
      [
        [1, 'deal.created'],
        [2, 'deal.submitted'],
      ],
    );
    assert.equal(page.data[0].data.amount, 100_000);
    assert.equal(page.data[1].traceId, 'a'.repeat(32));
    const rest = (await events(deal.id, 'usr_payer', `?limit=2&cursor=${page.nextCursor}`)).json();
    assert.deepEqual(
      rest.data.map((e: { type: string }) => e.type),
      ['deal.registered_at_bank'],
    );
    assert.equal(rest.nextCursor, null);
    assert.equal((await events(deal.id, 'usr_ops', '')).statusCode, 404, 'a customer token is not staff');
    const staff = await h.as('usr_ops', ['operator'], { method: 'GET', url: `/v1/deals/${deal.id}/events` });
    assert.equal(staff.json().data.length, 3);
  });

  it('refuses a stranger with 404, and a forged cursor with 400', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const stranger = await events(deal.id, 'usr_stranger');
    assert.deepEqual([stranger.statusCode, stranger.json().code], [404, 'deal_not_found']);
    const forged = await events(
      deal.id,
      'usr_agent',
      `?cursor=${Buffer.from('99999999999').toString('base64url')}`,
    );
    assert.deepEqual([forged.statusCode, forged.json().code], [400, 'invalid_cursor']);
  });
});
