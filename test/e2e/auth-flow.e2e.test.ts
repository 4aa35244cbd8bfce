/**
 * End to end: the real services as separate processes (as `npm start` runs them) on a database of their
 * own, driven only through the gateway's public HTTP API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { type RunningSystem, startSystem } from '../../scripts/system.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let db: TestDatabase;
let system: RunningSystem;
let gw: string;

before(async () => {
  db = await createTestDatabase('e2e');
  system = await startSystem({
    databaseUrl: db.url,
    ports: 'random',
    output: 'ignore',
    env: { LOG_LEVEL: 'warn' },
  });
  gw = system.urls.gateway;
});
after(async () => {
  await system?.stop();
  await db?.drop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('through the gateway', () => {
  const email = `e2e-${Date.now()}@example.com`;
  const password = 'a long enough passphrase';

  it('register → login → me → refresh rotation → reuse detection → logout', async () => {
    const reg = await call('POST', '/v1/auth/register', { email, password, name: 'End To End' });
    assert.equal(reg.status, 201, reg.text);
    const login = await call('POST', '/v1/auth/login', { email, password });
    assert.equal(login.status, 200, login.text);
    const me = await call('GET', '/v1/me', undefined, bearer(login.body.accessToken));
    assert.equal(me.status, 200);
    assert.equal(me.body.email, email);
    assert.deepEqual(me.body.roles, ['customer']);

    const rotated = await call('POST', '/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.refreshToken, login.body.refreshToken);
    const reuse = await call('POST', '/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.code, 'refresh_token_reused');
    const revoked = await call('POST', '/v1/auth/refresh', { refreshToken: rotated.body.refreshToken });
    assert.equal(revoked.status, 401, 'reuse revoked the whole family');

    const again = await call('POST', '/v1/auth/login', { email, password });
    assert.equal(
      (await call('POST', '/v1/auth/logout', { refreshToken: again.body.refreshToken })).status,
      204,
    );
    assert.equal(
      (await call('POST', '/v1/auth/refresh', { refreshToken: again.body.refreshToken })).status,
      401,
    );
  });

  it('answers bad tokens with 401 problem documents', async () => {
    const missing = await call('GET', '/v1/me');
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(missing.body.code, 'unauthenticated');
    const garbage = await call('GET', '/v1/me', undefined, bearer('abc.def.ghi'));
    assert.equal(garbage.status, 401);
    assert.equal(garbage.body.code, 'invalid_token');
    const login = await call('POST', '/v1/auth/login', { email, password });
    const [h, , s] = (login.body.accessToken as string).split('.');
    const evil = Buffer.from(JSON.stringify({ sub: 'usr_x', roles: ['admin'], exp: 9999999999 })).toString(
      'base64url',
    );
    const tampered = await call('GET', '/v1/me', undefined, bearer(`${h}.${evil}.${s}`));
    assert.equal(tampered.status, 401);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${evil}.`;
    assert.equal((await call('GET', '/v1/me', undefined, bearer(none))).status, 401);
  });

  it('answers bad bodies with 4xx problem documents and writes nothing', async () => {
    const malformed = await call('POST', '/v1/auth/register', '{"email":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'malformed_json');
    const unknown = await call('POST', '/v1/auth/register', {
      email: 'x@example.com',
      password,
      name: 'X',
      roles: ['admin'],
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'validation_failed');
    const login = await call('POST', '/v1/auth/login', { email: 'x@example.com', password });
    assert.equal(login.status, 401, 'the rejected registration wrote no user');
    const huge = await call('POST', '/v1/auth/register', {
      email: 'y@example.com',
      password,
      name: 'y'.repeat(2_000_000),
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'body_too_large');
    const nowhere = await call('GET', '/v1/nowhere');
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.body.code, 'route_not_found');
  });

  it('echoes the trace id it was given', async () => {
    const res = await call('GET', '/v1/me', undefined, { 'x-trace-id': 'e2e-trace-0001' });
    assert.equal(res.headers.get('x-trace-id'), 'e2e-trace-0001');
    assert.equal(res.body.traceId, 'e2e-trace-0001');
  });

  it('serves one merged OpenAPI document and the docs page', async () => {
    const doc = await call('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    for (const path of ['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh', '/v1/me']) {
      assert.ok(doc.body.paths[path], `${path} is documented`);
    }
    const page = await fetch(`${gw}/docs`, { redirect: 'follow' });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /swagger/i);
  });

  it('creates an admin from the command line only, against the same database', async () => {
    const adminEmail = `admin-${Date.now()}@example.com`;
    // The password goes in on standard input: the command refuses it as an argument, where ps shows it.
    const created = promisify(execFile)(
      process.execPath,
      ['services/identity/src/cli/admin-create.ts', '--email', adminEmail],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
    );
    created.child.stdin?.end(`${password}\n`);
    await created;
    const login = await call('POST', '/v1/auth/login', { email: adminEmail, password });
    assert.equal(login.status, 200);
    const me = await call('GET', '/v1/me', undefined, bearer(login.body.accessToken));
    assert.deepEqual(me.body.roles, ['admin']);

    // npm start ran the bank sandbox as the bank, so its controls are routed, for admins only.
    const clock = await call('GET', '/v1/sandbox/_sim/clock', undefined, bearer(login.body.accessToken));
    assert.equal(clock.status, 200, clock.text);
    assert.equal(typeof clock.body.frozen, 'boolean');
    const customer = await call('POST', '/v1/auth/login', { email, password });
    const refused = await call('GET', '/v1/sandbox/_sim/clock', undefined, bearer(customer.body.accessToken));
    assert.equal(refused.status, 403);
  });

  it('grants roles: user:roles from the database host, then an admin through the API', async () => {
    const register = async (who: string) => {
      const e = `${who}-${Date.now()}@example.com`;
      const reg = await call('POST', '/v1/auth/register', { email: e, password, name: who });
      assert.equal(reg.status, 201, reg.text);
      return { email: e, id: reg.body.id as string };
    };
    const admin = await register('roles-admin');
    const agent = await register('roles-agent');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['services/identity/src/cli/user-roles.ts', '--email', admin.email, '--roles', 'admin'],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
    );
    assert.match(stdout, /has roles admin/);
    const adminLogin = await call('POST', '/v1/auth/login', { email: admin.email, password });
    const granted = await call(
      'PUT',
      `/v1/admin/users/${agent.id}/roles`,
      { roles: ['customer', 'agent'] },
      bearer(adminLogin.body.accessToken),
    );
    assert.equal(granted.status, 200, granted.text);
    const agentLogin = await call('POST', '/v1/auth/login', { email: agent.email, password });
    const me = await call('GET', '/v1/me', undefined, bearer(agentLogin.body.accessToken));
    assert.deepEqual(me.body.roles, ['customer', 'agent']);
    const refused = await call(
      'PUT',
      `/v1/admin/users/${admin.id}/roles`,
      { roles: ['agent'] },
      bearer(agentLogin.body.accessToken),
    );
    assert.equal(refused.status, 403, refused.text);
  });

  it('issues service tokens for client credentials', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['services/identity/src/cli/client-create.ts', '--name', 'e2e-client'],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
    );
    const { clientId, clientSecret } = JSON.parse(stdout);
    const token = await call('POST', '/v1/auth/token', {
      grantType: 'client_credentials',
      clientId,
      clientSecret,
    });
    assert.equal(token.status, 200, token.text);
    const me = await call('GET', '/v1/me', undefined, bearer(token.body.accessToken));
    assert.deepEqual(me.body, { id: 'e2e-client', kind: 'service', roles: ['service'] });
    const wrong = await call('POST', '/v1/auth/token', {
      grantType: 'client_credentials',
      clientId,
      clientSecret: 'nope',
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'invalid_client');
  });
});
