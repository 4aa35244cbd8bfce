import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  codeNow,
  enrollTotp,
  type Harness,
  login,
  postAs,
  register,
  startIdentity,
  wrongCode,
} from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

let n = 0;
async function signedIn(): Promise<{ email: string; token: string }> {
  n += 1;
  const email = `totp-disable-${n}@example.com`;
  await register(h, email);
  return { email, token: (await login(h, email)).json().accessToken };
}

describe('POST /v1/auth/totp/disable', () => {
  it('given a current code, then the authenticator is gone and login needs the password only', async () => {
    const u = await signedIn();
    const { secret } = await enrollTotp(h, u.token);
    const wrong = await postAs(h, u.token, '/v1/auth/totp/disable', { code: await wrongCode(h, secret) });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'invalid_totp_code');
    assert.equal((await login(h, u.email)).json().code, 'totp_required');

    const res = await postAs(h, u.token, '/v1/auth/totp/disable', { code: await codeNow(h, secret) });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await login(h, u.email)).statusCode, 200);
    const again = await postAs(h, u.token, '/v1/auth/totp/disable', { code: await codeNow(h, secret) });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'totp_not_enrolled');
  });

  it('given a recovery code (the device is lost), then it disables, and enrolling anew works', async () => {
    const u = await signedIn();
    const { recoveryCodes } = await enrollTotp(h, u.token);
    const res = await postAs(h, u.token, '/v1/auth/totp/disable', { recoveryCode: recoveryCodes[0] });
    assert.equal(res.statusCode, 204, res.body);
    const { recoveryCodes: fresh } = await enrollTotp(h, u.token);
    // The old codes went with the old authenticator.
    const old = await login(h, u.email, { recoveryCode: recoveryCodes[1] as string });
    assert.equal(old.statusCode, 401);
    assert.equal((await login(h, u.email, { recoveryCode: fresh[0] as string })).statusCode, 200);
  });

  it('given neither or both codes, then it answers 400', async () => {
    const u = await signedIn();
    await enrollTotp(h, u.token);
    assert.equal((await postAs(h, u.token, '/v1/auth/totp/disable', {})).statusCode, 400);
    const both = { code: '123456', recoveryCode: 'abcd-efgh-ijkl-mnop' };
    assert.equal((await postAs(h, u.token, '/v1/auth/totp/disable', both)).statusCode, 400);
  });
});
