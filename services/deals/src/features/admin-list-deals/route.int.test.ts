import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
const ids: string[] = [];

before(async () => {
  h = await startDeals();
  const a = await h.recipient('usr_agent_a');
  const b = await h.recipient('usr_agent_b');
  for (const [agent, rcp] of [
    ['usr_agent_a', a],
    ['usr_agent_b', b],
    ['usr_agent_a', a],
  ] as const) {
    h.clock.advance(1_000);
    ids.push((await h.draft(agent, 'usr_payer', rcp)).id);
  }
  await h.as('usr_agent_b', ['agent'], { method: 'POST', url: `/v1/deals/${ids[1]}/cancel` });
});
after(async () => {
  await h?.close();
});

const list = (query: string, roles = ['operator']) =>
  h.as('usr_staff', roles, { method: 'GET', url: `/v1/admin/deals${query}` });

describe('GET /v1/admin/deals', () => {
  it("given staff, then every party's deals, newest first, in pages, and by status", async () => {
    const first = (await list('?limit=2')).json();
    const rest = (await list(`?limit=2&cursor=${first.nextCursor}`)).json();
    assert.deepEqual(
      [...first.data, ...rest.data].map((d: { id: string }) => d.id),
      [...ids].reverse(),
    );
    const cancelled = (await list('?status=cancelled', ['admin'])).json();
    assert.deepEqual(
      cancelled.data.map((d: { id: string }) => d.id),
      [ids[1]],
    );
  });

  it('refuses an agent or a customer with 403, and a forged cursor with 400', async () => {
    assert.equal((await list('', ['agent'])).statusCode, 403);
    assert.equal((await list('', ['customer'])).statusCode, 403);
    const forged = await list(`?cursor=${Buffer.from('x').toString('base64url')}`);
    assert.deepEqual([forged.statusCode, forged.json().code], [400, 'invalid_cursor']);
  });
});
