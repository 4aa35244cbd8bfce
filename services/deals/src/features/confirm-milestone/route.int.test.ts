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

async function fundedDeal(): Promise<DealJson> {
  const deal = await h.draft('usr_agent', 'usr_payer', rcp);
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${deal.id}/submit` });
  await h.bank(deal.id, { kind: 'registered_at_bank', bankDealId: `bank_${deal.id}` });
  await h.bank(deal.id, { kind: 'fund', incomingTransactionId: `in_${deal.id}`, amount: 100_000n });
  return deal;
}

const confirm = (deal: DealJson, sub: string, milestoneId = deal.milestones[0]!.id) =>
  h.as(sub, ['customer'], { method: 'POST', url: `/v1/deals/${deal.id}/milestones/${milestoneId}/confirm` });

describe('POST /v1/deals/{id}/milestones/{milestoneId}/confirm', () => {
  it('given a funded deal, then the payer confirms the milestone and its release is recorded with it', async () => {
    const deal = await fundedDeal();
    const res = await confirm(deal, 'usr_payer');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().status, res.json().milestones[0].status], ['releasing', 'released']);
    const { rows } = await h.pool.query<{ type: string }>(
      'select type from events where stream_id = $1 order by version',
      [deal.id],
    );
    assert.deepEqual(rows.map((r) => r.type).slice(-2), [
      'deal.milestone_confirmed',
      'deal.milestone_released',
    ]);
    const again = await confirm(deal, 'usr_payer');
    assert.deepEqual([again.statusCode, again.json().code], [409, 'milestone_not_confirmable']);
  });

  it('refuses the agent (403), an unknown milestone (404), a draft deal (409) and a stranger (404)', async () => {
    const deal = await fundedDeal();
    const agent = await confirm(deal, 'usr_agent');
    assert.deepEqual([agent.statusCode, agent.json().code], [403, 'deal_forbidden']);
    const unknown = await confirm(deal, 'usr_payer', 'mst_nope');
    assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'milestone_not_found']);
    const draft = await h.draft('usr_agent', 'usr_payer', rcp);
    const early = await confirm(draft, 'usr_payer');
    assert.deepEqual([early.statusCode, early.json().code], [409, 'deal_wrong_status']);
    const stranger = await confirm(deal, 'usr_stranger');
    assert.deepEqual([stranger.statusCode, stranger.json().code], [404, 'deal_not_found']);
  });
});
