import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, login, register, startIdentity } from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const sessionsOf = async (token: string): Promise<{ id: string }[]> =>
  (await h.app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: auth(token) })).json().data;
const revoke = (token: string | undefined, id: string) =>
  h.app.inject({
    method: 'DELETE',
    url: `/v1/auth/sessions/${encodeURIComponent(id)}`,
    headers: token ? auth(token) : {},
  });
const refresh = (refreshToken: string) =>
  h.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });

describe('DELETE /v1/auth/sessions/{id}', () => {
  it('ends that login only: its refresh answers 401, the other login still refreshes', async () => {
    const email = 'revoke-own@example.com';
    await register(h, email);
    const first = (await login(h, email)).json();
    h.clock.advance(1_000);
    const second = (await login(h, email)).json();
    const before = await sessionsOf(second.accessToken);
    assert.equal(before.length, 2);
    // Newest activity first: the first login is the second item.
    const firstId = (before[1] as { id: string }).id;

    const res = await revoke(second.accessToken, firstId);
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await refresh(first.refreshToken)).statusCode, 401);
    assert.equal((await refresh(second.refreshToken)).statusCode, 200);
    assert.deepEqual(
      (await sessionsOf(second.accessToken)).map((s) => s.id),
      [(before[0] as { id: string }).id],
    );
    // Ending it again changes nothing and says so the same way.
    assert.equal((await revoke(second.accessToken, firstId)).statusCode, 204);
  });

  it('given another user’s session or a missing one, then 404 alike, and theirs keeps working', async () => {
    await register(h, 'revoke-owner@example.com');
    await register(h, 'revoke-other@example.com');
    const owner = (await login(h, 'revoke-owner@example.com')).json();
    const other = (await login(h, 'revoke-other@example.com')).json();
    const [ownerSession] = await sessionsOf(owner.accessToken);
    assert.ok(ownerSession);

    const theirs = await revoke(other.accessToken, ownerSession.id);
    assert.equal(theirs.statusCode, 404);
    assert.equal(theirs.json().code, 'session_not_found');
    const missing = await revoke(other.accessToken, 'rtf_missing');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'session_not_found');
    assert.equal((await refresh(owner.refreshToken)).statusCode, 200);
  });

  it('given no token, then 401', async () => {
    assert.equal((await revoke(undefined, 'rtf_any')).statusCode, 401);
  });
});
