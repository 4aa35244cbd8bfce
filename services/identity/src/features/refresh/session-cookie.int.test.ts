import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FORWARDED_SIGNATURE_HEADER, signForwardedFor } from '@strongbox/http';
import type { LightMyRequestResponse } from 'fastify';
import { FORWARDING_SECRET, type Harness, startIdentity } from '../../test-support.ts';
import { COOKIE_PATHS, SESSION_COOKIE } from '../session-cookie.ts';

/** Cookie mode of login, refresh and logout (the cabinet's), beside the unchanged JSON mode. */
let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

const HOST = 'cabinet.example';
const CSRF = { 'x-strongbox-csrf': '1', host: HOST, origin: `https://${HOST}` };
const PASSWORD = 'correct horse battery';
let n = 0;

async function loginCookie(): Promise<LightMyRequestResponse> {
  n += 1;
  const email = `cookie${n}-${Date.now()}@example.com`;
  await h.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: PASSWORD, name: `Cookie ${n}` },
  });
  return h.app.inject({
    method: 'POST',
    url: '/v1/auth/login?session=cookie',
    payload: { email, password: PASSWORD },
    headers: CSRF,
  });
}

const setCookies = (res: LightMyRequestResponse): string[] => {
  const v = res.headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
const tokenIn = (res: LightMyRequestResponse) => {
  const c = res.cookies.find((x) => x.name === SESSION_COOKIE);
  assert.ok(c, 'a session cookie is set');
  return c.value;
};
const post = (url: string, token: string | undefined, headers: Record<string, string> = CSRF) =>
  h.app.inject({
    method: 'POST',
    url,
    payload: {},
    headers: { ...headers, ...(token ? { cookie: `${SESSION_COOKIE}=${token}` } : {}) },
  });

describe('cookie mode', () => {
  it('login sets an HttpOnly, SameSite=Strict cookie on the refresh and logout paths only', async () => {
    const res = await loginCookie();
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.ok(body.accessToken);
    assert.equal(body.refreshToken, undefined, 'no script sees the refresh token');
    const cookies = setCookies(res);
    assert.equal(cookies.length, COOKIE_PATHS.length);
    for (const [i, path] of COOKIE_PATHS.entries()) {
      assert.match(
        cookies[i]!,
        new RegExp(`^${SESSION_COOKIE}=[^;]+; Max-Age=\\d+; Path=${path}; HttpOnly; SameSite=Strict$`),
      );
    }
  });

  it('refresh rotates the cookie; a spent one is refused and cleared', async () => {
    const first = tokenIn(await loginCookie());
    const rotated = await post('/v1/auth/refresh?session=cookie', first);
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.equal(rotated.json().refreshToken, undefined);
    const second = tokenIn(rotated);
    assert.notEqual(second, first);
    const reuse = await post('/v1/auth/refresh?session=cookie', first);
    assert.equal(reuse.statusCode, 401);
    assert.equal(reuse.json().code, 'refresh_token_reused');
    assert.ok(
      setCookies(reuse).every((c) => c.includes('Max-Age=0')),
      'the dead cookie is cleared',
    );
    const missing = await post('/v1/auth/refresh?session=cookie', undefined);
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json().code, 'invalid_refresh_token');
  });

  it('refuses cookie-mode calls without the CSRF header or from another origin', async () => {
    const token = tokenIn(await loginCookie());
    const noHeader = await post('/v1/auth/refresh?session=cookie', token, { host: HOST });
    assert.equal(noHeader.statusCode, 403);
    assert.equal(noHeader.json().code, 'csrf_check_failed');
    const otherSite = await post('/v1/auth/refresh?session=cookie', token, {
      ...CSRF,
      origin: 'https://evil.example',
    });
    assert.equal(otherSite.statusCode, 403);
    const nullOrigin = await post('/v1/auth/logout?session=cookie', token, { ...CSRF, origin: 'null' });
    assert.equal(nullOrigin.statusCode, 403);
    // Behind the gateway the host the browser used arrives as X-Forwarded-Host, believed when signed.
    const gateway = {
      ...CSRF,
      host: '127.0.0.1:3001',
      'x-forwarded-host': HOST,
      'x-forwarded-for': '10.0.0.9',
      [FORWARDED_SIGNATURE_HEADER]: signForwardedFor(FORWARDING_SECRET, '10.0.0.9'),
    };
    const unsigned = await post('/v1/auth/refresh?session=cookie', token, {
      ...gateway,
      [FORWARDED_SIGNATURE_HEADER]: 'forged',
    });
    assert.equal(unsigned.statusCode, 403, 'an unsigned X-Forwarded-Host is not believed');
    const viaGateway = await post('/v1/auth/refresh?session=cookie', token, gateway);
    assert.equal(viaGateway.statusCode, 200, 'the refused attempts spent nothing');
  });

  it('logout revokes the login and clears the cookie, idempotently', async () => {
    const token = tokenIn(await loginCookie());
    const out = await post('/v1/auth/logout?session=cookie', token);
    assert.equal(out.statusCode, 204);
    assert.ok(setCookies(out).every((c) => c.includes('Max-Age=0')));
    assert.equal((await post('/v1/auth/logout?session=cookie', undefined)).statusCode, 204);
    assert.equal((await post('/v1/auth/refresh?session=cookie', token)).statusCode, 401);
  });
});

describe('JSON mode is unchanged', () => {
  it('still requires the token in the body of refresh and logout', async () => {
    for (const url of ['/v1/auth/refresh', '/v1/auth/logout']) {
      const res = await h.app.inject({ method: 'POST', url, payload: {} });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().code, 'validation_failed');
    }
  });

  it('ignores a session cookie and sets none', async () => {
    const token = tokenIn(await loginCookie());
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: token },
      headers: { cookie: `${SESSION_COOKIE}=nonsense` },
    });
    assert.equal(res.statusCode, 200);
    assert.ok(res.json().refreshToken);
    assert.deepEqual(setCookies(res), []);
  });
});
