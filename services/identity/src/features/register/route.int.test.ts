import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SERVICE } from '../../app.ts';
import { type Harness, startIdentity } from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => await h.close());

const PASSWORD = 'correct horse battery';
let n = 0;
const emailOf = () => `register${++n}-${randomBytes(4).toString('hex')}@example.com`;

const register = (payload: object, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/v1/auth/register', payload, headers });

async function userRows(email: string): Promise<Array<{ trace_id: string | null }>> {
  const pool = h.db.pool(SERVICE);
  const { rows } = await pool.query<{ trace_id: string | null }>(
    'select trace_id from users where email_normalized = $1',
    [email],
  );
  return rows;
}

describe('POST /v1/auth/register', () => {
  it('given a traceparent, then the user row carries the request’s trace id', async () => {
    const traceId = randomBytes(16).toString('hex');
    const email = emailOf();
    const res = await register(
      { email, password: PASSWORD, name: 'Traced' },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(await userRows(email), [{ trace_id: traceId }]);
  });

  it('given an X-Trace-Id alone, then the user row carries that id', async () => {
    const email = emailOf();
    const res = await register(
      { email, password: PASSWORD, name: 'Traced' },
      { 'x-trace-id': 'trace-register-1' },
    );
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(await userRows(email), [{ trace_id: 'trace-register-1' }]);
  });

  it('given a NUL character in the name, then 400 problem+json validation_failed naming body/name, and no user', async () => {
    const email = emailOf();
    for (const name of ['Ann\u0000Smith', '\u0000']) {
      const res = await register({ email, password: PASSWORD, name });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const problem = res.json();
      assert.equal(problem.code, 'validation_failed');
      assert.deepEqual(
        problem.errors.map((e: { field: string }) => e.field),
        ['body/name'],
      );
      assert.equal(typeof problem.traceId, 'string');
    }
    assert.deepEqual(await userRows(email), []);
  });
});
