import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVICE } from '../../app.ts';
import { openTotpSecret } from '../../infra/totp-secrets.ts';
import {
  enrollTotp,
  type Harness,
  login,
  postAs,
  register,
  serviceToken,
  startIdentity,
  TEST_SECRETS,
} from '../../test-support.ts';

let h: Harness;
let token: string;

/** The user's stored secret, opened as identity opens it (it is sealed at rest: ADR 0027). */
async function storedSecrets(userId: string): Promise<string[]> {
  const { rows } = await h.db
    .pool(SERVICE)
    .query<{ plain: string | null; sealed: string | null }>(
      'select secret as plain, secret_sealed as sealed from user_totp where user_id = $1',
      [userId],
    );
  return rows.map((r) => openTotpSecret(r, userId, TEST_SECRETS));
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
    const second = (await postAs(h, token, '/v1/auth/totp/enroll')).json().secret;
    assert.notEqual(first, second);
    assert.deepEqual(await storedSecrets(userId), [second]);
  });

  it('given a confirmed authenticator, then enrolling again answers 409 and keeps it', async () => {
    const { secret } = await enrollTotp(h, token);
    const res = await postAs(h, token, '/v1/auth/totp/enroll');
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'totp_already_enrolled');
    assert.deepEqual(await storedSecrets(userId), [secret]);
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
