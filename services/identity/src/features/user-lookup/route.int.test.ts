import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdmin, type Harness, startIdentity } from '../../test-support.ts';

let h: Harness;
let adminToken: string;
let serviceToken: string;
let customer: { id: string; email: string };
let customerToken: string;
const PASSWORD = 'correct horse battery';

const post = (url: string, payload: unknown) =>
  h.app.inject({ method: 'POST', url, payload: payload as object });
const loginToken = async (email: string) => {
  const res = await post('/v1/auth/login', { email, password: PASSWORD });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().accessToken as string;
};

before(async () => {
  h = await startIdentity();
  const reg = await post('/v1/auth/register', {
    email: 'Payer@Example.com',
    password: PASSWORD,
    name: 'Payer',
  });
  assert.equal(reg.statusCode, 201, reg.body);
  customer = reg.json();
  customerToken = await loginToken('payer@example.com');
  await createAdmin(h, 'admin@example.com', PASSWORD);
  adminToken = await loginToken('admin@example.com');
  await h.serviceClient('deals', 's3cret-deals');
  const token = await post('/v1/auth/token', {
    grantType: 'client_credentials',
    clientId: 'deals',
    clientSecret: 's3cret-deals',
  });
  assert.equal(token.statusCode, 200, token.body);
  serviceToken = token.json().accessToken;
});
after(async () => {
  await h?.close();
});

const lookup = (email: string, token?: string) =>
  h.app.inject({
    method: 'GET',
    url: `/v1/admin/users/lookup?email=${encodeURIComponent(email)}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe('GET /v1/admin/users/lookup', () => {
  it('given an admin or a service token, then the user is found by email, whatever its case', async () => {
    for (const token of [adminToken, serviceToken]) {
      const res = await lookup('PAYER@Example.COM', token);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().id, res.json().email], [customer.id, customer.email]);
      assert.equal(res.json().passwordHash, undefined);
    }
    const none = await lookup('nobody@example.com', serviceToken);
    assert.deepEqual([none.statusCode, none.json().code], [404, 'user_not_found']);
  });

  it('refuses a customer (403), a caller without a token (401) and a malformed email (400)', async () => {
    const asCustomer = await lookup('payer@example.com', customerToken);
    assert.deepEqual([asCustomer.statusCode, asCustomer.json().code], [403, 'forbidden']);
    assert.equal((await lookup('payer@example.com')).statusCode, 401);
    assert.equal((await lookup('not-an-email', adminToken)).statusCode, 400);
  });
});
