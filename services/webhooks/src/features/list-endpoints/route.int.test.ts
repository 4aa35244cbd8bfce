/** GET /v1/webhooks/endpoints: the caller's own endpoints page by page; staff see every owner's. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { endpointRequests, type Harness, startWebhooks, VALID_ENDPOINT } from '../../test-support.ts';

let h: Harness;
let alice: string;
let operator: string;
before(async () => {
  h = await startWebhooks();
  alice = await h.token('usr_alice');
  operator = await h.token('usr_op', ['operator']);
  // Another owner's endpoint, so that staff see more than Carol's.
  await create(alice, valid);
});
after(async () => {
  await h.close();
});

const { create, get } = endpointRequests(() => h);
const valid = VALID_ENDPOINT;

describe('listing endpoints', () => {
  it('lists the caller’s own endpoints, newest first, page by page', async () => {
    const carol = await h.token('usr_carol');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Ids order by creation time to the millisecond; the fixed clock is moved so each has its own.
      h.clock.advance(1);
      ids.push((await create(carol, valid)).json().id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res = await get(carol, `/v1/webhooks/endpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().data.map((e: { id: string }) => e.id));
      cursor = res.json().nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, [...ids].reverse());
    const all = await get(operator, '/v1/webhooks/endpoints?limit=100');
    assert.ok(all.json().data.length > 5, 'staff see every owner’s endpoints');
    const bad = await get(carol, '/v1/webhooks/endpoints?cursor=nonsense');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'invalid_cursor');
    const unknown = await get(carol, '/v1/webhooks/endpoints?owner=x');
    assert.equal(unknown.statusCode, 400);
  });
});
