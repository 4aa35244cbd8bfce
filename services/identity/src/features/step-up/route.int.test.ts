import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import {
  codeNow,
  createAdmin,
  enrollTotp,
  type Harness,
  login,
  postAs,
  register,
  startIdentity,
  TEST_PASSWORD,
} from '../../test-support.ts';

/** The staff rule on, as every deployment runs (STAFF_TOTP_REQUIRED defaults to true). */
let h: Harness;
let customerId: string;
before(async () => {
  h = await startIdentity({ staffTotpRequired: true });
  customerId = await register(h, 'step-up-customer@example.com');
});
after(async () => {
  await h.close();
});

// PUT /v1/admin/users/{id}/roles is a staff route that also needs step-up.
const setRoles = (token: string, roles: string[]) =>
  h.app.inject({
    method: 'PUT',
    url: `/v1/admin/users/${customerId}/roles`,
    headers: { authorization: `Bearer ${token}` },
    payload: { roles },
  });

async function signedInAdmin(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  await createAdmin(h, email, TEST_PASSWORD);
  const res = await login(h, email);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

describe('staff and step-up', () => {
  it('given an admin without TOTP, then staff routes answer 403 totp_enrollment_required, others answer', async () => {
    const { accessToken } = await signedInAdmin('nototp@example.com');
    const res = await setRoles(accessToken, ['customer', 'agent']);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'totp_enrollment_required');
    const me = await h.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(me.statusCode, 200);
    // Enrolling is open to them, which is how they get out of this.
    assert.equal((await postAs(h, accessToken, '/v1/auth/totp/enroll')).statusCode, 200);
  });

  it('given an enrolled admin without a fresh code, then step-up is required, and a step-up token works', async () => {
    const { accessToken } = await signedInAdmin('stepup@example.com');
    const { secret } = await enrollTotp(h, accessToken);
    const signedIn = await login(h, 'stepup@example.com', { totpCode: await codeNow(h, secret) });
    h.clock.advance(30_000);
    // A refreshed token says TOTP is enrolled but carries no code: enough for staff routes, not for step-up.
    const refreshed = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: signedIn.json().refreshToken },
    });
    const plain = refreshed.json().accessToken as string;
    assert.equal(decodeJwt(plain)['totp'], true);
    assert.equal(decodeJwt(plain)['otp_at'], undefined);
    const refused = await setRoles(plain, ['customer', 'agent']);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, 'step_up_required');

    const stepUp = await postAs(h, plain, '/v1/auth/step-up', { code: await codeNow(h, secret) });
    assert.equal(stepUp.statusCode, 200, stepUp.body);
    assert.equal(stepUp.json().expiresIn, 300);
    const accepted = await setRoles(stepUp.json().accessToken, ['customer', 'agent']);
    assert.equal(accepted.statusCode, 200, accepted.body);
  });

  it('given a code older than five minutes, then it is no longer fresh', async () => {
    const email = 'stale@example.com';
    const { accessToken } = await signedInAdmin(email);
    // Identity's clock ten minutes back: the code given at login is ten minutes old by the verifier's.
    h.clock.set(new Date(Date.now() - 10 * 60_000));
    const { secret } = await enrollTotp(h, accessToken);
    const stale = await login(h, email, { totpCode: await codeNow(h, secret) });
    assert.equal(stale.statusCode, 200, stale.body);
    const refused = await setRoles(stale.json().accessToken, ['customer']);
    assert.equal(refused.json().code, 'step_up_required');
    h.clock.set(new Date());
    const stepUp = await postAs(h, stale.json().accessToken, '/v1/auth/step-up', {
      code: await codeNow(h, secret),
    });
    assert.equal((await setRoles(stepUp.json().accessToken, ['customer'])).statusCode, 200);
  });

  it('given a user without TOTP, then step-up answers 409 totp_not_enrolled', async () => {
    const token = (await login(h, 'step-up-customer@example.com')).json().accessToken;
    const res = await postAs(h, token, '/v1/auth/step-up', { code: '123456' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'totp_not_enrolled');
  });
});
