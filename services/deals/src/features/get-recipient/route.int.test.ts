import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startDeals } from '../../test-support.ts';

let h: Harness;

before(async () => {
  h = await startDeals();
});
after(async () => {
  await h?.close();
});

describe('GET /v1/recipients/me', () => {
  it("answers the caller's own profile only: another user sees theirs or 404, never someone else's", async () => {
    const id = await h.recipient('usr_a');
    const mine = await h.as('usr_a', ['customer'], { method: 'GET', url: '/v1/recipients/me' });
    assert.deepEqual([mine.statusCode, mine.json().id, mine.json().userId], [200, id, 'usr_a']);
    const theirs = await h.as('usr_b', ['customer'], { method: 'GET', url: '/v1/recipients/me' });
    assert.deepEqual([theirs.statusCode, theirs.json().code], [404, 'recipient_profile_not_found']);
    const anonymous = await h.app.inject({ method: 'GET', url: '/v1/recipients/me' });
    assert.equal(anonymous.statusCode, 401);
  });
});
