import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVICE } from '../../app.ts';
import { createAdmin, type Harness, startIdentity } from '../../test-support.ts';

let h: Harness;
let adminToken: string;
let adminId: string;
const PASSWORD = 'correct horse battery';

before(async () => {
  h = await startIdentity();
  const admin = await createAdmin(h, 'roles-admin@example.com', PASSWORD);
  adminId = admin.id;
  adminToken = await tokenOf('roles-admin@example.com');
});
after(async () => {
  await h.close();
});

async function tokenOf(email: string): Promise<string> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().accessToken as string;
}

let n = 0;
async function customer(): Promise<{ id: string; email: string }> {
  n += 1;
  const email = `roles-user${n}@example.com`;
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: PASSWORD, name: `User ${n}` },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().id as string, email };
}

const put = (id: string, roles: unknown, token = adminToken, traceId?: string) =>
  h.app.inject({
    method: 'PUT',
    url: `/v1/admin/users/${id}/roles`,
    payload: { roles } as object,
    headers: { authorization: `Bearer ${token}`, ...(traceId ? { 'x-trace-id': traceId } : {}) },
  });

const trail = async (userId: string) =>
  (
    await h.db
      .pool(SERVICE)
      .query(
        'select changed_by, roles_before, roles_after, trace_id from role_changes where user_id = $1 order by changed_at, id',
        [userId],
      )
  ).rows;

describe('PUT /v1/admin/users/{id}/roles', () => {
  it('replaces the roles, records who did it in which request, and the next token carries them', async () => {
    const u = await customer();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await put(u.id, ['agent', 'customer'], adminToken, traceId);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().roles, ['customer', 'agent']);
    assert.deepEqual(await trail(u.id), [
      {
        changed_by: adminId,
        roles_before: ['customer'],
        roles_after: ['customer', 'agent'],
        trace_id: traceId,
      },
    ]);
    const token = await tokenOf(u.email);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    assert.deepEqual(claims.roles, ['customer', 'agent']);
  });

  it('is idempotent: repeating the same set answers the same and records nothing more', async () => {
    const u = await customer();
    assert.equal((await put(u.id, ['agent'])).statusCode, 200);
    const again = await put(u.id, ['agent', 'agent']);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json().roles, ['agent']);
    assert.equal((await trail(u.id)).length, 1);
  });

  it('records concurrent changes one after the other, each before what it replaced', async () => {
    const u = await customer();
    const results = await Promise.all([put(u.id, ['agent']), put(u.id, ['operator'])]);
    for (const r of results) assert.equal(r.statusCode, 200, r.body);
    const rows = await trail(u.id);
    assert.equal(rows.length, 2);
    // Both carry the test clock's one instant, so the chain, not the order of rows, shows the sequence.
    const first = rows.find((r) => r.roles_before.join() === 'customer');
    const second = rows.find((r) => r !== first);
    assert.ok(first && second, JSON.stringify(rows));
    assert.deepEqual(second.roles_before, first.roles_after);
  });

  it('is for admins only: a customer, an agent and no token are refused, and nothing changes', async () => {
    const u = await customer();
    const other = await customer();
    assert.equal((await put(other.id, ['agent'])).statusCode, 200);
    for (const token of [await tokenOf(u.email), await tokenOf(other.email)]) {
      const res = await put(u.id, ['admin'], token);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, 'forbidden');
    }
    assert.equal((await put(u.id, ['admin'], '')).statusCode, 401);
    assert.deepEqual(await trail(u.id), []);
  });

  it('refuses unknown roles, an empty set and an admin removing their own admin role with 422', async () => {
    const u = await customer();
    const cases: [string, unknown, string][] = [
      [u.id, ['root'], 'unknown_role'],
      [u.id, ['service'], 'unknown_role'],
      [u.id, [], 'roles_empty'],
      [adminId, ['customer'], 'last_admin_role'],
    ];
    for (const [id, roles, code] of cases) {
      const res = await put(id, roles);
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().code, code);
    }
    assert.deepEqual(await trail(u.id), []);
  });

  it('answers 404 for an unknown user and 400 for malformed input', async () => {
    assert.equal((await put('usr_nobody', ['agent'])).json().code, 'user_not_found');
    for (const body of [['agent', 7], 'agent', Array.from({ length: 17 }, () => 'agent'), ['a\u0000b']]) {
      const res = await put('usr_nobody', body);
      assert.equal(res.statusCode, 400, res.body);
    }
    assert.equal((await put('bad id!', ['agent'])).statusCode, 400);
  });

  it('keeps the trail insert-only, for the service itself too', async () => {
    const u = await customer();
    await put(u.id, ['agent']);
    const pool = h.db.pool(SERVICE);
    for (const sql of [
      "update role_changes set changed_by = 'x'",
      'delete from role_changes',
      'truncate role_changes',
    ]) {
      await assert.rejects(pool.query(sql), /insert-only/);
    }
  });
});
