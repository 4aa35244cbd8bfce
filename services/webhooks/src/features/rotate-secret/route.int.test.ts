/** POST /v1/webhooks/endpoints/{id}/rotate-secret: a new secret, the old one kept for a grace period. */
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

const { key, auth, create } = endpointRequests(() => h);
const valid = VALID_ENDPOINT;

describe('rotating the secret', () => {
  it('rotates the secret under an Idempotency-Key', async () => {
    const created = (await create(alice, valid)).json();
    const k = key();
    const rotate = () =>
      h.app.inject({
        method: 'POST',
        url: `/v1/webhooks/endpoints/${created.id}/rotate-secret`,
        headers: { ...auth(alice), 'idempotency-key': k },
        payload: { graceSeconds: 3600 },
      });
    const first = await rotate();
    assert.equal(first.statusCode, 200, first.body);
    assert.match(first.json().secret, /^whsec_/);
    assert.notEqual(first.json().secret, created.secret);
    assert.equal(
      first.json().previousSecretExpiresAt,
      new Date(h.clock.now().getTime() + 3_600_000).toISOString(),
    );
    const replay = await rotate();
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json().secret, first.json().secret);
    // Without a body, the default grace period (24 h) applies.
    const bodiless = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/endpoints/${created.id}/rotate-secret`,
      headers: { ...auth(alice), 'idempotency-key': key() },
    });
    assert.equal(bodiless.statusCode, 200, bodiless.body);
    assert.equal(
      bodiless.json().previousSecretExpiresAt,
      new Date(h.clock.now().getTime() + 24 * 3_600_000).toISOString(),
    );
  });
});
