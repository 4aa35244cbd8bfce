import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { AUDIENCE, type Harness, ISSUER, startIdentity } from './test-support.ts';

let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, payload: payload as object, headers });
const me = (token: string) =>
  h.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });

let n = 0;
async function registered(password = 'correct horse battery') {
  n += 1;
  const email = `user${n}-${Date.now()}@example.com`;
  const res = await post('/v1/auth/register', { email, password, name: `User ${n}` });
  assert.equal(res.statusCode, 201, res.body);
  return { email, password, user: res.json() };
}

async function login(email: string, password: string, ip = '10.0.0.1') {
  return await h.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    remoteAddress: ip,
  });
}

describe('register', () => {
  it('creates a customer and never returns the password hash', async () => {
    const { user, email } = await registered();
    assert.match(user.id, /^usr_[0-9a-f-]{36}$/);
    assert.equal(user.email, email);
    assert.deepEqual(user.roles, ['customer']);
    assert.equal(user.passwordHash, undefined);
    assert.equal(user.password_hash, undefined);
  });

  it('answers 409 for a duplicate email, whatever its case', async () => {
    const { email } = await registered();
    const res = await post('/v1/auth/register', {
      email: email.toUpperCase(),
      password: 'another fine pass',
      name: 'X',
    });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'email_taken');
  });

  it('registers one of two concurrent duplicates', async () => {
    const email = `race-${Date.now()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        post('/v1/auth/register', { email, password: 'racing horses 123', name: 'R' }),
      ),
    );
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409]);
  });

  it('rejects weak passwords, malformed emails and unknown fields with field errors', async () => {
    const weak = await post('/v1/auth/register', { email: 'w@example.com', password: 'short', name: 'W' });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().code, 'weak_password');
    assert.equal(weak.json().errors[0].field, 'body/password');
    const bad = await post('/v1/auth/register', {
      email: 'not-an-email',
      password: 'correct horse battery',
      name: 'B',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'validation_failed');
    assert.ok(bad.json().errors.some((e: { field: string }) => e.field === 'body/email'));
    const extra = await post('/v1/auth/register', {
      email: 'e@example.com',
      password: 'correct horse battery',
      name: 'E',
      roles: ['admin'],
    });
    assert.equal(extra.statusCode, 400);
    assert.ok(extra.json().errors.some((e: { field: string }) => e.field === 'body/roles'));
  });
});

describe('login', () => {
  it('issues an EdDSA access token with the required claims and a refresh token', async () => {
    const { email, password, user } = await registered();
    const res = await login(email, password);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.expiresIn, 900);
    assert.equal(body.tokenType, 'Bearer');
    const [header, payload] = body.accessToken
      .split('.')
      .slice(0, 2)
      .map((p: string) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert.equal(header.alg, 'EdDSA');
    assert.ok(header.kid);
    assert.equal(payload.sub, user.id);
    assert.deepEqual(payload.roles, ['customer']);
    assert.equal(payload.iss, ISSUER);
    assert.equal(payload.aud, AUDIENCE);
    assert.equal(payload.exp - payload.iat, 900);
    assert.ok(payload.jti);
    const who = await me(body.accessToken);
    assert.equal(who.statusCode, 200);
    assert.equal(who.json().id, user.id);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const { email } = await registered();
    const wrong = await login(email, 'not the password at all', '10.0.1.1');
    const unknown = await login(`nobody-${Date.now()}@example.com`, 'not the password at all', '10.0.1.2');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    const strip = (b: Record<string, unknown>) => ({ ...b, traceId: undefined, instance: undefined });
    assert.deepEqual(strip(wrong.json()), strip(unknown.json()));
  });
});

describe('refresh tokens', () => {
  it('rotate on each use, and reuse of an old one revokes the whole family', async () => {
    const { email, password } = await registered();
    const first = (await login(email, password)).json();
    const second = await post('/v1/auth/refresh', { refreshToken: first.refreshToken });
    assert.equal(second.statusCode, 200);
    const t2 = second.json();
    assert.notEqual(t2.refreshToken, first.refreshToken);
    assert.equal((await me(t2.accessToken)).statusCode, 200);
    const third = (await post('/v1/auth/refresh', { refreshToken: t2.refreshToken })).json();
    const replay = await post('/v1/auth/refresh', { refreshToken: first.refreshToken });
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().code, 'refresh_token_reused');
    const afterReuse = await post('/v1/auth/refresh', { refreshToken: third.refreshToken });
    assert.equal(afterReuse.statusCode, 401, 'the newest token of the family is revoked too');
    const other = (await login(email, password)).json();
    assert.equal(
      (await post('/v1/auth/refresh', { refreshToken: other.refreshToken })).statusCode,
      200,
      'other logins live on',
    );
  });

  it('lets exactly one of two concurrent uses of the same token through', async () => {
    const { email, password } = await registered();
    const { refreshToken } = (await login(email, password)).json();
    const results = await Promise.all([1, 2].map(() => post('/v1/auth/refresh', { refreshToken })));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401]);
  });

  it('expire after their documented lifetime of 30 days and reject unknown tokens', async () => {
    const { email, password } = await registered();
    const early = (await login(email, password)).json().refreshToken;
    const refreshToken = (await login(email, password)).json().refreshToken;
    const thirtyDaysMs = 30 * 24 * 3600_000;
    h.clock.advance(thirtyDaysMs - 1_000);
    assert.equal(
      (await post('/v1/auth/refresh', { refreshToken: early })).statusCode,
      200,
      'valid to the end',
    );
    h.clock.advance(2_000);
    const expired = await post('/v1/auth/refresh', { refreshToken });
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.json().code, 'invalid_refresh_token');
    assert.equal(
      (await post('/v1/auth/refresh', { refreshToken: 'nonsense' })).json().code,
      'invalid_refresh_token',
    );
  });

  it('logout revokes the family and is idempotent', async () => {
    const { email, password } = await registered();
    const { refreshToken } = (await login(email, password)).json();
    assert.equal((await post('/v1/auth/logout', { refreshToken })).statusCode, 204);
    assert.equal((await post('/v1/auth/logout', { refreshToken })).statusCode, 204);
    assert.equal((await post('/v1/auth/refresh', { refreshToken })).statusCode, 401);
  });
});

describe('a service reached directly trusts no one without a valid token', () => {
  it('rejects a missing token, a forged token and alg none', async () => {
    const { email, password } = await registered();
    const good = (await login(email, password)).json().accessToken as string;
    const missing = await h.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { 'x-user-id': 'usr_admin' },
    });
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json().code, 'unauthenticated');
    const kid = JSON.parse(Buffer.from(good.split('.')[0] as string, 'base64url').toString()).kid;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('usr_admin')
      .setJti('x')
      .setExpirationTime('5m')
      .sign(privateKey);
    const forgedRes = await me(forged);
    assert.equal(forgedRes.statusCode, 401);
    assert.equal(forgedRes.json().code, 'invalid_token');
    const payload = good.split('.')[1];
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    assert.equal((await me(none)).statusCode, 401);
  });

  it('publishes only public keys at the JWKS endpoint, and they verify the tokens it issues', async () => {
    const { email, password, user } = await registered();
    const issued = (await login(email, password)).json().accessToken as string;
    const res = await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(res.statusCode, 200);
    const { keys } = res.json();
    assert.ok(keys.length >= 1);
    for (const k of keys) {
      assert.equal(k.kty, 'OKP');
      assert.equal(k.crv, 'Ed25519');
      assert.equal(k.d, undefined, 'no private part');
    }
    // What a service does with the endpoint: the published keys alone verify identity's own token.
    const { payload, protectedHeader } = await jwtVerify(issued, createLocalJWKSet({ keys }), {
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    assert.equal(payload.sub, user.id);
    assert.ok(
      keys.some((k: { kid?: string }) => k.kid === protectedHeader.kid),
      'the signing key is published',
    );
  });
});
