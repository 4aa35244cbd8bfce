import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
let rcp: string;
let rcp2: string;

before(async () => {
  h = await startDeals();
  rcp = await h.recipient('usr_agent');
  rcp2 = await h.recipient('usr_partner');
});
after(async () => {
  await h?.close();
});

const patch = (id: string, payload: unknown, ifMatch?: string, sub = 'usr_agent') =>
  h.as(sub, ['agent'], {
    method: 'PATCH',
    url: `/v1/deals/${id}`,
    payload,
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
  });

describe('PATCH /v1/deals/{id}', () => {
  it('given the current version, then the title changes, or the milestones are replaced and split again', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const renamed = await patch(deal.id, { title: 'Flat on Arbat' }, '"1"');
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.deepEqual(
      [renamed.json().title, renamed.json().version, renamed.headers.etag],
      ['Flat on Arbat', 2, '"2"'],
    );
    const resplit = await patch(
      deal.id,
      {
        milestones: [
          {
            title: 'Deposit',
            amount: 50_001,
            release: { kind: 'immediate' },
            recipients: [
              { recipientId: rcp, share: { percentBp: 5000 } },
              { recipientId: rcp2, share: { percentBp: 5000 } },
            ],
          },
        ],
      },
      '2',
    );
    assert.equal(resplit.statusCode, 200, resplit.body);
    const body = resplit.json();
    assert.deepEqual(
      [body.amount, body.title, body.milestones[0].payouts.map((p: { amount: number }) => p.amount)],
      [50_001, 'Flat on Arbat', [25_001, 25_000]],
    );
  });

  it('given a stale If-Match, then 409 deal_version_conflict and nothing changes; without one, 428', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    assert.equal((await patch(deal.id, { title: 'First' }, '1')).statusCode, 200);
    const stale = await patch(deal.id, { title: 'Second' }, '1');
    assert.deepEqual([stale.statusCode, stale.json().code], [409, 'deal_version_conflict']);
    const missing = await patch(deal.id, { title: 'Third' });
    assert.deepEqual([missing.statusCode, missing.json().code], [428, 'if_match_required']);
    const garbage = await patch(deal.id, { title: 'Third' }, 'abc');
    assert.deepEqual([garbage.statusCode, garbage.json().code], [400, 'if_match_invalid']);
    const now = await h.as('usr_agent', ['agent'], { method: 'GET', url: `/v1/deals/${deal.id}` });
    assert.deepEqual([now.json().title, now.json().version], ['First', 2]);
  });

  it('refuses a deal no longer draft, the payer, a stranger (404) and an empty or unknown change', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const asPayer = await patch(deal.id, { title: 'Mine' }, '1', 'usr_payer');
    assert.deepEqual([asPayer.statusCode, asPayer.json().code], [403, 'deal_forbidden']);
    const stranger = await patch(deal.id, { title: 'Mine' }, '1', 'usr_stranger');
    assert.deepEqual([stranger.statusCode, stranger.json().code], [404, 'deal_not_found']);
    assert.equal((await patch(deal.id, {}, '1')).statusCode, 400);
    assert.equal((await patch(deal.id, { status: 'funded' }, '1')).statusCode, 400);
    const payerAsRecipient = await patch(deal.id, { payerId: 'usr_agent' }, '1');
    assert.deepEqual(
      [payerAsRecipient.statusCode, payerAsRecipient.json().code],
      [422, 'deal_payer_is_recipient'],
    );
    await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
    const late = await patch(deal.id, { title: 'Too late' }, '2');
    assert.deepEqual([late.statusCode, late.json().code], [409, 'deal_wrong_status']);
  });
});
