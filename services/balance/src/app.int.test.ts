/**
 * What is about balance as a whole: its ops routes and metrics. The tests of each use case sit beside it
 * in its features/ folder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startFunded } from './test-support.ts';

let h: Harness;

before(async () => {
  // One account opened, so the HTTP and group-commit metrics have something to show.
  ({ h } = await startFunded());
});
after(async () => {
  await h.close();
});

describe('operations', () => {
  it('serves ops routes with the group-commit metrics', async () => {
    const res = await h.balance.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(res.body, /balance_group_commit_batch_items_bucket/);
    assert.match(res.body, /http_request_duration_seconds/);
    assert.equal((await h.balance.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
  });
});
