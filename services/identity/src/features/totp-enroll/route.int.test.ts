import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVICE } from '../../app.ts';
import {
  codeNow,
  enrollTotp,
  type Harness,
  login,
  postAs,
  register,
  serviceToken,
  startIdentity,
} from '../../test-support.ts';

let h: Harness;
let token: string;

/** The user's stored secret as the database holds it: sealed (ADR 0027), so compared only as text. */
async function storedSecret(userId: string): Promise<string | undefined> {
  const { rows } = await h.db
    .pool(SERVICE)
    .query<{ sealed: string }>('select secret_sealed as sealed from user_totp where user_id = $1', [userId]);
  return rows[0]?.sealed;
}

let userId: string;
before(async () => {
  h = await startIdentity();
  userId = await register(h, 'totp-enroll@example.com');
  token = (await login(h, 'totp-enroll@example.com')).json().accessToken;
});
after(async () => {
  await h.close();
});

describe('POST /v1/auth/totp/enroll', () => {
  it('given a signed-in user, then it answers the otpauth URI, its QR code and a pending secret', async () => {
    const res = await postAs(h, token, '/v1/auth/totp/enroll');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const { otpauthUri, qrSvg, secret } = res.json();
    const uri = new URL(otpauthUri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'Strongbox');
    assert.match(decodeURIComponent(uri.pathname), /totp-enroll@example\.com/);
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match(qrSvg, /^<svg[\s\S]*<\/svg>\s*$/);
    // Pending: login still needs no code.
    assert.equal((await login(h, 'totp-enroll@example.com')).statusCode, 200);
  });

  it('given an enrollment still pending, then enrolling again replaces its secret', async () => {
    const first = (await postAs(h, token, '/v1/auth/totp/enroll')).json().secret;
    const storedFirst = await storedSecret(userId);
    const second = (await postAs(h, token, '/v1/auth/totp/enroll')).json().secret;
    assert.notEqual(first, second);
    assert.ok(storedFirst && !storedFirst.includes(first));
    assert.notEqual(await storedSecret(userId), storedFirst);
  });

  it('given a confirmed authenticator, then enrolling again answers 409 and keeps it', async () => {
    const { secret } = await enrollTotp(h, token);
    const stored = await storedSecret(userId);
    const res = await postAs(h, token, '/v1/auth/totp/enroll');
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'totp_already_enrolled');
    assert.equal(await storedSecret(userId), stored);
    const signedIn = await login(h, 'totp-enroll@example.com', { totpCode: await codeNow(h, secret) });
    assert.equal(signedIn.statusCode, 200, 'the confirmed secret still makes the codes');
  });

  it('given a service client, then it answers 403 not_a_user', async () => {
    const token = await serviceToken(h, 'orders');
    const res = await postAs(h, token, '/v1/auth/totp/enroll');
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'not_a_user');
  });

  it('given no token, then it answers 401', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/totp/enroll' });
    assert.equal(res.statusCode, 401);
  });
});
