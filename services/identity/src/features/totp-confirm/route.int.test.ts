import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { SERVICE } from '../../app.ts';
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
async function signedIn(): Promise<{ email: string; id: string; token: string }> {
  n += 1;
  const email = `totp-confirm-${n}@example.com`;
  const id = await register(h, email);
  const res = await login(h, email);
  assert.equal(res.statusCode, 200, res.body);
  return { email, id, token: res.json().accessToken };
}

describe('POST /v1/auth/totp/confirm, then login', () => {
  it('given a confirmed authenticator, then login needs a code and the token says so', async () => {
    const u = await signedIn();
    assert.equal(decodeJwt(u.token)['totp'], false);
    const { secret, recoveryCodes } = await enrollTotp(h, u.token);
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);

    const without = await login(h, u.email);
    assert.equal(without.statusCode, 401);
    assert.equal(without.json().code, 'totp_required');

    const withCode = await login(h, u.email, { totpCode: await codeNow(h, secret) });
    assert.equal(withCode.statusCode, 200, withCode.body);
    const claims = decodeJwt(withCode.json().accessToken);
    assert.equal(claims['totp'], true);
    assert.deepEqual(claims['amr'], ['pwd', 'otp']);
    assert.equal(claims['otp_at'], Math.floor(h.clock.now().getTime() / 1000));
  });

  it('given a code already used, then the same code is refused inside its window', async () => {
    const u = await signedIn();
    const { secret } = await enrollTotp(h, u.token);
    const code = await codeNow(h, secret);
    assert.equal((await login(h, u.email, { totpCode: code })).statusCode, 200);
    const replay = await login(h, u.email, { totpCode: code });
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().code, 'invalid_totp_code');
    h.clock.advance(30_000);
    assert.equal((await login(h, u.email, { totpCode: await codeNow(h, secret) })).statusCode, 200);
  });

  it('given one code sent twice at once, then exactly one login succeeds', async () => {
    const u = await signedIn();
    const { secret } = await enrollTotp(h, u.token);
    const code = await codeNow(h, secret);
    const answers = await Promise.all([1, 2].map(() => login(h, u.email, { totpCode: code })));
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 401]);
  });

  it('given a recovery code, then it signs in once and never again', async () => {
    const u = await signedIn();
    const { recoveryCodes } = await enrollTotp(h, u.token);
    const [first, second] = recoveryCodes as [string, string];
    assert.equal((await login(h, u.email, { recoveryCode: first })).statusCode, 200);
    const again = await login(h, u.email, { recoveryCode: first });
    assert.equal(again.statusCode, 401);
    assert.equal(again.json().code, 'invalid_totp_code');
    // Typed in capitals with spaces, as someone reading it off paper might.
    const typed = second.toUpperCase().replaceAll('-', ' ');
    assert.equal((await login(h, u.email, { recoveryCode: typed })).statusCode, 200);
    const { rows } = await h.db
      .pool(SERVICE)
      .query('select code_hash from totp_recovery_codes where user_id = $1', [u.id]);
    assert.equal(rows.length, 10);
    assert.ok(rows.every((r) => !r.code_hash.toString('utf8').includes(first.replaceAll('-', ''))));
  });

  it('given wrong codes, then they are throttled like wrong passwords', async () => {
    const u = await signedIn();
    const { secret } = await enrollTotp(h, u.token);
    const good = await codeNow(h, secret);
    const wrong = await wrongCode(h, secret);
    for (let i = 0; i < 3; i++) {
      const res = await login(h, u.email, { totpCode: wrong });
      assert.equal(res.statusCode, 401, res.body);
    }
    const blocked = await login(h, u.email, { totpCode: good });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().code, 'too_many_attempts');
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    // The same counter guards the signed-in routes that take a code.
    const stepUp = await postAs(h, u.token, '/v1/auth/step-up', { code: good });
    assert.equal(stepUp.statusCode, 429);
    h.clock.advance(1_000);
    assert.equal((await login(h, u.email, { totpCode: good })).statusCode, 200);
  });

  it('given a wrong first code, then nothing is enrolled and login still needs no code', async () => {
    const u = await signedIn();
    const enrolled = await postAs(h, u.token, '/v1/auth/totp/enroll');
    const secret = enrolled.json().secret as string;
    const code = await codeNow(h, secret);
    const res = await postAs(h, u.token, '/v1/auth/totp/confirm', { code: await wrongCode(h, secret) });
    assert.equal(res.statusCode, 401);
    assert.equal((await login(h, u.email)).statusCode, 200);
    const twice = await postAs(h, u.token, '/v1/auth/totp/confirm', { code });
    assert.equal(twice.statusCode, 200);
    const again = await postAs(h, u.token, '/v1/auth/totp/confirm', { code });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'totp_already_enrolled');
  });

  it('given no enrollment or a malformed code, then it answers 409 or 400', async () => {
    const u = await signedIn();
    const none = await postAs(h, u.token, '/v1/auth/totp/confirm', { code: '123456' });
    assert.equal(none.statusCode, 409);
    assert.equal(none.json().code, 'totp_not_pending');
    const bad = await postAs(h, u.token, '/v1/auth/totp/confirm', { code: '12ab56' });
    assert.equal(bad.statusCode, 400);
  });
});
