import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, login, register, serviceToken, startIdentity } from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

const getAs = (token: string) =>
  h.app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: { authorization: `Bearer ${token}` } });
const refresh = (refreshToken: string) =>
  h.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });
const logout = (refreshToken: string) =>
  h.app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken } });

describe('GET /v1/auth/sessions', () => {
  it('given two logins, then it lists two; a refresh keeps one, a logout drops it', async () => {
    const email = 'sessions-list@example.com';
    await register(h, email);
    const first = (await login(h, email)).json();
    h.clock.advance(60_000);
    const second = (await login(h, email)).json();
    const res = await getAs(second.accessToken);
    assert.equal(res.statusCode, 200, res.body);
    const { data: items } = res.json();
    assert.equal(items.length, 2);
    for (const s of items) {
      assert.match(s.id, /^rtf_/);
      assert.equal(s.current, false);
      assert.ok(Date.parse(s.createdAt) <= Date.parse(s.lastUsedAt));
    }

    h.clock.advance(60_000);
    const rotated = await refresh(first.refreshToken);
    assert.equal(rotated.statusCode, 200);
    const after1 = (await getAs(second.accessToken)).json().data;
    assert.equal(after1.length, 2, 'a refresh continues the same login');
    // The refreshed login is the most recently used one, and its login time is unchanged.
    assert.equal(after1[0].lastUsedAt, h.clock.now().toISOString());
    assert.ok(Date.parse(after1[0].createdAt) < Date.parse(after1[0].lastUsedAt));

    await logout(second.refreshToken);
    const left = (await getAs(second.accessToken)).json().data;
    assert.deepEqual(
      left.map((s: { id: string }) => s.id),
      [after1[0].id],
    );
  });

  it('shows only the caller’s own logins', async () => {
    await register(h, 'sessions-a@example.com');
    await register(h, 'sessions-b@example.com');
    await login(h, 'sessions-a@example.com');
    const b = (await login(h, 'sessions-b@example.com')).json();
    assert.equal((await getAs(b.accessToken)).json().data.length, 1);
  });

  it('given no token, then 401; given a service client, then 403', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/auth/sessions' });
    assert.equal(res.statusCode, 401);
    const svc = await getAs(await serviceToken(h, 'sessions-svc'));
    assert.equal(svc.statusCode, 403);
    assert.equal(svc.json().code, 'not_a_user');
  });
});
