/** POST /v1/webhooks/endpoints: registering, its idempotency, its limits and its SSRF guard. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENDPOINTS_PER_OWNER_MAX } from '../../domain/endpoint.ts';
import {
  EMPTY_ALLOW_LIST,
  endpointRequests,
  type Harness,
  startWebhooks,
  VALID_ENDPOINT,
} from '../../test-support.ts';

let h: Harness;
let alice: string;
let bob: string;
let operator: string;
before(async () => {
  h = await startWebhooks();
  alice = await h.token('usr_alice');
  bob = await h.token('usr_bob');
  operator = await h.token('usr_op', ['operator']);
});
after(async () => {
  await h.close();
});

const { key, auth, create, get } = endpointRequests(() => h);
const valid = VALID_ENDPOINT;

describe('registering an endpoint', () => {
  it('answers 201 with a Standard Webhooks secret, shown only then', async () => {
    const res = await create(alice, { ...valid, description: 'shop backend' });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.match(body.id, /^whe_/);
    assert.match(body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const bytes = Buffer.from(body.secret.slice('whsec_'.length), 'base64');
    assert.ok(bytes.length >= 24 && bytes.length <= 32, `secret has ${bytes.length} bytes`);
    assert.equal(body.scope, 'parties');
    assert.equal(body.status, 'enabled');
    assert.equal(body.ownerId, 'usr_alice');
    const again = await get(alice, `/v1/webhooks/endpoints/${body.id}`);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().secret, undefined);
    assert.equal(again.json().description, 'shop backend');
  });

  it('gives operators and admins endpoints for every event', async () => {
    const res = await create(operator, { ...valid, eventTypes: ['*'] });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().scope, 'all');
  });

  it('replays the first answer for the same Idempotency-Key and refuses it for another request', async () => {
    const k = key();
    const first = await create(alice, valid, k);
    const second = await create(alice, valid, k);
    assert.equal(second.statusCode, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.deepEqual(second.json(), first.json());
    const other = await create(alice, { ...valid, eventTypes: ['orders.*'] }, k);
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().code, 'idempotency_key_reused');
    // Keys are scoped by caller: Bob's same key is a new request.
    const bobs = await create(bob, valid, k);
    assert.equal(bobs.statusCode, 201);
    assert.notEqual(bobs.json().id, first.json().id);
  });

  it('runs concurrent requests with one key once', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 4 }, () => create(alice, valid, k)));
    assert.deepEqual(
      results.map((r) => r.statusCode),
      [201, 201, 201, 201],
    );
    assert.equal(new Set(results.map((r) => r.json().id)).size, 1);
  });

  it(`refuses more than ${ENDPOINTS_PER_OWNER_MAX} endpoints per owner`, async () => {
    const many = await h.token('usr_many');
    for (let i = 0; i < ENDPOINTS_PER_OWNER_MAX; i++)
      assert.equal((await create(many, valid)).statusCode, 201);
    const over = await create(many, valid);
    assert.equal(over.statusCode, 409);
    assert.equal(over.json().code, 'endpoint_limit_reached');
  });

  it('requires an Idempotency-Key and a token', async () => {
    const res = await create(alice, valid, null);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'validation_failed');
    assert.ok(res.json().errors.some((e: { field: string }) => e.field === 'headers/idempotency-key'));
    const anon = await h.app.inject({ method: 'POST', url: '/v1/webhooks/endpoints', payload: valid });
    assert.equal(anon.statusCode, 401);
  });

  it('answers problem+json 400s for a bad URL, empty or bad eventTypes, and unknown fields', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ ...valid, url: 'not a url' }, 'invalid_url', 'body/url'],
      [{ ...valid, url: 'ftp://127.0.0.1/x' }, 'invalid_url', 'body/url'],
      [{ ...valid, url: 'https://user:pw@127.0.0.1/x' }, 'invalid_url', 'body/url'],
      [{ ...valid, eventTypes: [] }, 'validation_failed', 'body/eventTypes'],
      [{ ...valid, eventTypes: ['Balance.*.x'] }, 'validation_failed', 'body/eventTypes/0'],
      [{ ...valid, secret: 'whsec_mine' }, 'validation_failed', 'body/secret'],
      [{ eventTypes: ['*'] }, 'validation_failed', 'body/url'],
    ];
    for (const [payload, code, field] of cases) {
      const res = await create(alice, payload);
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal(res.json().code, code, JSON.stringify(payload));
      assert.ok(
        res.json().errors.some((e: { field: string }) => e.field === field),
        `${field} in ${JSON.stringify(res.json().errors)}`,
      );
    }
  });
});

describe('SSRF guard at registration', () => {
  let strict: Harness;
  before(async () => {
    strict = await startWebhooks({ allow: EMPTY_ALLOW_LIST });
  });
  after(async () => {
    await strict.close();
  });

  it('refuses loopback, private, metadata and IPv6 loopback targets, and names resolving to loopback', async () => {
    const token = await strict.token('usr_alice');
    for (const url of [
      'https://127.0.0.1/hook',
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://localhost/hook',
      'http://127.0.0.1:9/hook',
    ]) {
      const res = await strict.app.inject({
        method: 'POST',
        url: '/v1/webhooks/endpoints',
        headers: { ...auth(token), 'idempotency-key': key() },
        payload: { url, eventTypes: ['*'] },
      });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().code, 'url_not_allowed', url);
      assert.equal(res.json().errors[0].field, 'body/url');
    }
  });
});
