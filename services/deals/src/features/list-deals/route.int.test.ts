import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dealBody, type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
const ids: string[] = [];

before(async () => {
  h = await startDeals();
  const rcp = await h.recipient('usr_agent');
  const rcp2 = await h.recipient('usr_agent2');
  // Five deals drafted by usr_agent for usr_payer, one by usr_agent2 in which usr_agent is the payer.
  for (let i = 0; i < 5; i++) {
    h.clock.advance(1_000);
    const res = await h.as('usr_agent', ['agent'], {
      method: 'POST',
      url: '/v1/deals',
      payload: dealBody('usr_payer', [[rcp, 10_000]]),
    });
    assert.equal(res.statusCode, 201, res.body);
    ids.push(res.json().id);
  }
  h.clock.advance(1_000);
  const theirs = await h.as('usr_agent2', ['agent'], {
    method: 'POST',
    url: '/v1/deals',
    payload: dealBody('usr_agent', [[rcp2, 10_000]]),
  });
  ids.push(theirs.json().id);
  const submitted = await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${ids[0]}/submit` });
  assert.equal(submitted.statusCode, 200, submitted.body);
});
after(async () => {
  await h?.close();
});

const list = (sub: string, query: string) =>
  h.as(sub, ['agent'], { method: 'GET', url: `/v1/deals${query}` });

describe('GET /v1/deals', () => {
  it('given pages of two, then every deal of the caller comes once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await list('usr_agent', `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      seen.push(...body.data.map((d: { id: string }) => d.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, [...ids].reverse());
  });

  it('filters by role and by status', async () => {
    const asPayer = (await list('usr_agent', '?role=payer')).json();
    assert.deepEqual(
      asPayer.data.map((d: { id: string }) => d.id),
      [ids[5]],
    );
    const asAgent = (await list('usr_agent', '?role=agent')).json();
    assert.equal(asAgent.data.length, 5);
    const submitted = (await list('usr_agent', '?status=submitted')).json();
    assert.deepEqual(
      submitted.data.map((d: { id: string; status: string }) => [d.id, d.status]),
      [[ids[0], 'submitted']],
    );
    const payer = (await list('usr_payer', '?status=draft')).json();
    assert.equal(payer.data.length, 4);
  });

  it("shows nobody else's deals, and refuses a forged cursor or an unknown filter", async () => {
    assert.deepEqual((await list('usr_stranger', '')).json(), { data: [], nextCursor: null });
    const forged = await list('usr_agent', `?cursor=${Buffer.from('acc_1').toString('base64url')}`);
    assert.deepEqual([forged.statusCode, forged.json().code], [400, 'invalid_cursor']);
    const unknown = await list('usr_agent', '?status=lost');
    assert.equal(unknown.statusCode, 400);
    const tooMany = await list('usr_agent', '?limit=101');
    assert.equal(tooMany.statusCode, 400);
  });
});
