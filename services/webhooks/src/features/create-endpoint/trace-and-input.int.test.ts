/** POST and PATCH of an endpoint: the trace id it keeps, and the NUL characters PostgreSQL would refuse. */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Harness, startWebhooks } from '../../test-support.ts';

let h: Harness;
let alice: string;

before(async () => {
  h = await startWebhooks();
  alice = await h.token('usr_alice');
});
after(async () => await h?.close());

const register = (payload: object, headers: Record<string, string> = {}) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/webhooks/endpoints',
    headers: { authorization: `Bearer ${alice}`, 'idempotency-key': randomUUID(), ...headers },
    payload,
  });

const endpointCount = async () =>
  (await h.pool.query<{ n: number }>('select count(*)::int as n from endpoints')).rows[0]?.n;

describe('POST /v1/webhooks/endpoints', () => {
  it('given a traceparent, then the endpoint row carries the request’s trace id', async () => {
    const traceId = randomBytes(16).toString('hex');
    const res = await register(
      { url: 'http://127.0.0.1:9/traced', eventTypes: ['balance.*'] },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    assert.equal(res.statusCode, 201, res.body);
    const { rows } = await h.pool.query('select trace_id from endpoints where id = $1', [res.json().id]);
    assert.deepEqual(rows, [{ trace_id: traceId }]);
  });

  it('given a NUL character in the description, then 400 problem+json validation_failed naming body/description, and nothing stored', async () => {
    const before = await endpointCount();
    for (const description of ['orders\u0000hook', '\u0000']) {
      const res = await register({ url: 'http://127.0.0.1:9/nul', eventTypes: ['balance.*'], description });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const problem = res.json();
      assert.equal(problem.code, 'validation_failed');
      assert.deepEqual(
        problem.errors.map((e: { field: string }) => e.field),
        ['body/description'],
      );
      assert.equal(typeof problem.traceId, 'string');
    }
    assert.equal(await endpointCount(), before);
  });

  it('given a NUL character in a changed description, then the same 400, and the description is kept', async () => {
    const created = await register({
      url: 'http://127.0.0.1:9/kept',
      eventTypes: ['balance.*'],
      description: 'kept',
    });
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json();
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/endpoints/${id}`,
      headers: { authorization: `Bearer ${alice}` },
      payload: { description: 'changed\u0000' },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(
      [res.json().code, res.json().errors[0].field],
      ['validation_failed', 'body/description'],
    );
    const { rows } = await h.pool.query('select description from endpoints where id = $1', [id]);
    assert.deepEqual(rows, [{ description: 'kept' }]);
  });
});
