import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENDPOINTS_PER_OWNER_MAX } from './domain/endpoint.ts';
import { EMPTY_ALLOW_LIST, type Harness, startWebhooks } from './test-support.ts';

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

let keys = 0;
const key = () => `key-${++keys}`;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function create(token: string, payload: unknown, idempotencyKey: string | null = key()) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/webhooks/endpoints',
    headers: { ...auth(token), ...(idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey }) },
    payload: payload as object,
  });
}
const get = (token: string, url: string) => h.app.inject({ method: 'GET', url, headers: auth(token) });

const valid = { url: 'http://127.0.0.1:9/hook', eventTypes: ['balance.*'] };

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

  it('refuses the same on update', async () => {
    const created = await create(alice, valid);
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/endpoints/${created.json().id}`,
      headers: auth(alice),
      payload: { url: 'https://169.254.169.254/' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'url_not_allowed');
  });
});

describe('managing endpoints', () => {
  it("answers 404 for another user's endpoint, on every route", async () => {
    const id = (await create(alice, valid)).json().id;
    const routes: Array<{ method: 'GET' | 'PATCH' | 'POST' | 'DELETE'; url: string; payload?: object }> = [
      { method: 'GET', url: `/v1/webhooks/endpoints/${id}` },
      { method: 'PATCH', url: `/v1/webhooks/endpoints/${id}`, payload: { description: 'x' } },
      { method: 'POST', url: `/v1/webhooks/endpoints/${id}/disable` },
      { method: 'POST', url: `/v1/webhooks/endpoints/${id}/rotate-secret`, payload: {} },
      { method: 'DELETE', url: `/v1/webhooks/endpoints/${id}` },
      { method: 'GET', url: `/v1/webhooks/endpoints/${id}/deliveries` },
    ];
    for (const r of routes) {
      const res = await h.app.inject({ ...r, headers: { ...auth(bob), 'idempotency-key': key() } });
      assert.equal(res.statusCode, 404, `${r.method} ${r.url}: ${res.body}`);
      assert.equal(res.json().code, 'endpoint_not_found');
    }
    assert.equal((await get(operator, `/v1/webhooks/endpoints/${id}`)).statusCode, 200);
  });

  it('lists the caller’s own endpoints, newest first, page by page', async () => {
    const carol = await h.token('usr_carol');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Ids order by creation time to the millisecond; the fixed clock is moved so each has its own.
      h.clock.advance(1);
      ids.push((await create(carol, valid)).json().id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res = await get(carol, `/v1/webhooks/endpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      seen.push(...res.json().data.map((e: { id: string }) => e.id));
      cursor = res.json().nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, [...ids].reverse());
    const all = await get(operator, '/v1/webhooks/endpoints?limit=100');
    assert.ok(all.json().data.length > 5, 'staff see every owner’s endpoints');
    const bad = await get(carol, '/v1/webhooks/endpoints?cursor=nonsense');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'invalid_cursor');
    const unknown = await get(carol, '/v1/webhooks/endpoints?owner=x');
    assert.equal(unknown.statusCode, 400);
  });

  it('updates, disables, enables and deletes', async () => {
    const id = (await create(alice, valid)).json().id;
    const patch = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/endpoints/${id}`,
      headers: auth(alice),
      payload: { eventTypes: ['orders.order.created', 'balance.*'], description: null },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.deepEqual(patch.json().eventTypes, ['orders.order.created', 'balance.*']);
    const empty = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/endpoints/${id}`,
      headers: auth(alice),
      payload: {},
    });
    assert.equal(empty.statusCode, 400);
    const post = (path: string) =>
      h.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/${path}`, headers: auth(alice) });
    const disabled = await post('disable');
    assert.equal(disabled.json().status, 'disabled');
    assert.equal(disabled.json().disabledReason, 'manual');
    const enabled = await post('enable');
    assert.equal(enabled.json().status, 'enabled');
    assert.equal(enabled.json().disabledReason, null);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/endpoints/${id}`,
      headers: auth(alice),
    });
    assert.equal(del.statusCode, 204);
    assert.equal((await get(alice, `/v1/webhooks/endpoints/${id}`)).statusCode, 404);
  });

  it('rotates the secret under an Idempotency-Key', async () => {
    const created = (await create(alice, valid)).json();
    const k = key();
    const rotate = () =>
      h.app.inject({
        method: 'POST',
        url: `/v1/webhooks/endpoints/${created.id}/rotate-secret`,
        headers: { ...auth(alice), 'idempotency-key': k },
        payload: { graceSeconds: 3600 },
      });
    const first = await rotate();
    assert.equal(first.statusCode, 200, first.body);
    assert.match(first.json().secret, /^whsec_/);
    assert.notEqual(first.json().secret, created.secret);
    assert.equal(
      first.json().previousSecretExpiresAt,
      new Date(h.clock.now().getTime() + 3_600_000).toISOString(),
    );
    const replay = await rotate();
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json().secret, first.json().secret);
    // Without a body, the default grace period (24 h) applies.
    const bodiless = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/endpoints/${created.id}/rotate-secret`,
      headers: { ...auth(alice), 'idempotency-key': key() },
    });
    assert.equal(bodiless.statusCode, 200, bodiless.body);
    assert.equal(
      bodiless.json().previousSecretExpiresAt,
      new Date(h.clock.now().getTime() + 24 * 3_600_000).toISOString(),
    );
  });
});

describe('operations', () => {
  it('serves the webhook metrics beside the HTTP ones', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    for (const line of [
      '# TYPE http_request_duration_seconds histogram',
      'webhook_attempts_total{result="succeeded"} 0',
      'webhook_attempts_total{result="blocked"} 0',
      '# TYPE webhook_attempt_duration_seconds histogram',
      '# TYPE webhook_delivery_latency_seconds histogram',
      'webhook_deliveries_due 0',
    ]) {
      assert.ok(res.body.includes(line), `/metrics has ${line}`);
    }
  });

  it('documents its routes', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    const paths = Object.keys(res.json().paths);
    assert.ok(paths.includes('/v1/webhooks/endpoints'));
    assert.ok(paths.includes('/v1/webhooks/deliveries/{id}/resend'));
  });
});
