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

const submit = (id: string, sub = 'usr_agent', key?: string) =>
  h.as(sub, ['agent'], {
    method: 'POST',
    url: `/v1/deals/${id}/submit`,
    headers: key ? { 'idempotency-key': key } : {},
  });

describe('POST /v1/deals/{id}/submit', () => {
  it('given a draft, then its creator submits it: one deal.submitted event, published through the outbox', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const res = await submit(deal.id);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().status, res.json().version], ['submitted', 2]);
    const { rows } = await h.pool.query<{ type: string }>(
      'select type from outbox where subject = $1 order by position',
      [deal.id],
    );
    assert.deepEqual(
      rows.map((r) => r.type),
      ['deals.deal.created', 'deals.deal.submitted'],
    );
  });

  it('given the same key again, then the answer is replayed, and concurrent twins submit once; a new key answers that it is no longer a draft', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const first = await submit(deal.id, 'usr_agent', 'submit-1');
    const again = await submit(deal.id, 'usr_agent', 'submit-1');
    assert.deepEqual(
      [again.statusCode, again.headers['idempotent-replayed'], again.body],
      [200, 'true', first.body],
    );
    const twice = await submit(deal.id);
    assert.deepEqual([twice.statusCode, twice.json().code], [409, 'deal_wrong_status']);
    const fresh = await h.draft('usr_agent', 'usr_payer', rcp);
    const racing = await Promise.all(
      Array.from({ length: 4 }, () => submit(fresh.id, 'usr_agent', 'submit-2')),
    );
    assert.deepEqual(
      racing.map((r) => r.statusCode),
      [200, 200, 200, 200],
    );
    assert.equal(new Set(racing.map((r) => r.body)).size, 1, 'every twin answers the same deal');
    const { rows } = await h.pool.query<{ type: string }>(
      'select type from events where stream_id = $1 order by version',
      [fresh.id],
    );
    assert.deepEqual(
      rows.map((r) => r.type),
      ['deal.created', 'deal.submitted'],
    );
  });

  it('refuses the payer (403), a stranger (404) and a request without Idempotency-Key (400)', async () => {
    const deal = await h.draft('usr_agent', 'usr_payer', rcp);
    const payer = await submit(deal.id, 'usr_payer');
    assert.deepEqual([payer.statusCode, payer.json().code], [403, 'deal_forbidden']);
    const stranger = await submit(deal.id, 'usr_stranger');
    assert.deepEqual([stranger.statusCode, stranger.json().code], [404, 'deal_not_found']);
    const token = await h.token('usr_agent', ['agent']);
    const unkeyed = await h.app.inject({
      method: 'POST',
      url: `/v1/deals/${deal.id}/submit`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(unkeyed.statusCode, 400);
  });
});
