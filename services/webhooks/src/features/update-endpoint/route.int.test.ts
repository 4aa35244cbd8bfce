/** PATCH /v1/webhooks/endpoints/{id}: the SSRF guard applies to a new URL as at registration. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { endpointRequests, type Harness, startWebhooks, VALID_ENDPOINT } from '../../test-support.ts';

let h: Harness;
let alice: string;
before(async () => {
  h = await startWebhooks();
  alice = await h.token('usr_alice');
});
after(async () => {
  await h.close();
});

const { auth, create } = endpointRequests(() => h);
const valid = VALID_ENDPOINT;

describe('SSRF guard on update', () => {
  it('refuses the same on update', async () => {
    const created = await create(alice, valid);
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/endpoints/${created.json().id}`,
      headers: auth(alice),
      payload: { url: 'https://169.254.169.254/' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'url_not_allowed');
  });
});
