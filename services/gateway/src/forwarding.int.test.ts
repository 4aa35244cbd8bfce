import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FORWARDED_SIGNATURE_HEADER, forwardedForSigned, signForwardedFor } from '@strongbox/http';
import { startFakeIdentity, startGateway } from './testing.ts';

/** What an upstream learns about the caller from the gateway, over real sockets (ADR 0021). */
const SECRET = 'gateway-test-forwarding-secret-of-32-chars';
const NEXT_SECRET = 'gateway-next-forwarding-secret-of-32-chars';

describe('the address the gateway forwards', () => {
  let identity: Awaited<ReturnType<typeof startFakeIdentity>>;
  let signing: Awaited<ReturnType<typeof startGateway>>;
  let unsigned: Awaited<ReturnType<typeof startGateway>>;

  before(async () => {
    identity = await startFakeIdentity();
    // During a rotation the gateway signs with the first secret it is given.
    signing = await startGateway({
      IDENTITY_URL: identity.url,
      GATEWAY_FORWARDING_SECRET: `${SECRET},${NEXT_SECRET}`,
    });
    unsigned = await startGateway({ IDENTITY_URL: identity.url });
  });
  after(async () => {
    await signing.stop();
    await unsigned.stop();
    await identity.stop();
  });

  const forged = {
    'content-type': 'application/json',
    'x-forwarded-for': '6.6.6.6',
    [FORWARDED_SIGNATURE_HEADER]: signForwardedFor(SECRET, '6.6.6.6'),
  };

  it('given a secret, then the caller address goes upstream signed with it, whatever the caller sent', async () => {
    const res = await fetch(`${signing.url}/v1/auth/login`, { method: 'POST', headers: forged, body: '{}' });
    assert.equal(res.status, 200);
    const got = identity.received.at(-1);
    assert.equal(got?.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(got?.headers[FORWARDED_SIGNATURE_HEADER], signForwardedFor(SECRET, '127.0.0.1'));
    assert.ok(got && forwardedForSigned(got.headers, [SECRET]));
  });

  it('given no secret, then nothing is signed and a caller signature is not passed on', async () => {
    const res = await fetch(`${unsigned.url}/v1/auth/login`, { method: 'POST', headers: forged, body: '{}' });
    assert.equal(res.status, 200);
    const got = identity.received.at(-1);
    assert.equal(got?.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(got?.headers[FORWARDED_SIGNATURE_HEADER], undefined);
  });
});
