/**
 * What is about the webhooks app as a whole: another user's endpoint is not found on any route, an
 * endpoint's life across its routes, and the ops routes. Each use case's own tests sit in its features/
 * folder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { endpointRequests, type Harness, startWebhooks, VALID_ENDPOINT } from './test-support.ts';

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
