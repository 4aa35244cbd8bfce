/** GET /v1/accounts: the caller’s own accounts page by page; staff may name an owner. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startFunded } from '../../test-support.ts';

let h: Harness;

before(async () => {
  ({ h } = await startFunded());
});
after(async () => {
  await h.close();
});

describe('listing accounts', () => {
  it('lists the caller’s accounts newest first with a cursor', async () => {
    const carol = await h.caller('usr_carol', ['customer']);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      // Ids order by their millisecond; the test clock stands still unless moved.
      h.clock.advance(1);
      ids.push((await carol.post('/v1/accounts', { currency: 'EUR' })).json().id);
    }
    const first = (await carol.get('/v1/accounts?limit=2')).json();
    assert.deepEqual(
      first.data.map((a: { id: string }) => a.id),
      [ids[2], ids[1]],
    );
    const second = (await carol.get(`/v1/accounts?limit=2&cursor=${first.nextCursor}`)).json();
    assert.deepEqual(
      second.data.map((a: { id: string }) => a.id),
      [ids[0]],
    );
    assert.equal(second.nextCursor, null);
    assert.equal((await carol.get('/v1/accounts?cursor=!!')).status, 400);
    assert.equal((await carol.get('/v1/accounts?ownerId=usr_alice')).status, 403);
    const staff = await h.caller('usr_op', ['operator']);
    const theirs = (await staff.get('/v1/accounts?ownerId=usr_carol&limit=100')).json();
    assert.equal(theirs.data.length, 3);
  });
});
