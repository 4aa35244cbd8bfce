import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { RESPONSE_BODY_KEPT_BYTES } from './domain/delivery.ts';
import { deliveryScenario } from './test-scenario.ts';
import { startReceiver } from './test-support.ts';

const s = deliveryScenario();
const { endpoint, publish, onlyDelivery, api, headers } = s;

describe('delivering an event', () => {
  it('POSTs the CloudEvent, signed so that standardwebhooks verifies it with the endpoint secret', async () => {
    const ep = await endpoint();
    const event = await publish();
    assert.equal(await s.h.worker().runOnce(), 1);
    assert.equal(s.receiver.requests.length, 1);
    const req = s.receiver.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/hook');
    assert.equal(req.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
    assert.equal(req.headers['webhook-id'], event.id);
    assert.equal(req.headers['webhook-timestamp'], String(Math.floor(s.h.clock.now().getTime() / 1000)));
    const verified = new Webhook(ep.secret).verify(req.body, req.headers as Record<string, string>);
    assert.deepEqual(verified, event);
    assert.match(req.headers['webhook-signature'] as string, /^v1,[A-Za-z0-9+/]+=*$/);
    const d = await onlyDelivery(ep.id);
    assert.equal(d.status, 'succeeded');
    assert.equal(d.webhookId, event.id);
    assert.equal(d.traceId, 'trace-abc-123');
    assert.deepEqual(d.payload, event);
    assert.equal(d.attempts.length, 1);
    assert.equal(d.attempts[0].result, 'succeeded');
    assert.equal(d.attempts[0].responseStatus, 204);
    assert.equal(typeof d.attempts[0].durationMs, 'number');
  });

  it('retries with the same webhook-id and body until a 2xx', async () => {
    const ep = await endpoint();
    await publish();
    s.receiver.respond({ status: 500, body: 'boom' }, { status: 503 }, { status: 200, body: 'ok' });
    const worker = s.h.worker();
    await worker.runOnce();
    s.h.clock.advance(5_000);
    await worker.runOnce();
    s.h.clock.advance(5 * 60_000);
    await worker.runOnce();
    assert.equal(s.receiver.requests.length, 3);
    assert.equal(new Set(s.receiver.requests.map((r) => r.headers['webhook-id'])).size, 1);
    assert.equal(new Set(s.receiver.requests.map((r) => r.body)).size, 1);
    const d = await onlyDelivery(ep.id);
    assert.equal(d.status, 'succeeded');
    assert.deepEqual(
      d.attempts.map((a: { result: string; responseStatus: number; responseBody: string }) => [
        a.result,
        a.responseStatus,
        a.responseBody,
      ]),
      [
        ['http_status', 500, 'boom'],
        ['http_status', 503, ''],
        ['succeeded', 200, 'ok'],
      ],
    );
  });

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    const ep = await endpoint();
    await publish();
    s.receiver.respond({ status: 302, headers: { location: `${s.receiver.url}/elsewhere` } });
    await s.h.worker().runOnce();
    assert.deepEqual(
      s.receiver.requests.map((r) => r.url),
      ['/hook'],
    );
    const d = await onlyDelivery(ep.id);
    assert.equal(d.status, 'pending');
    assert.equal(d.nextAttemptAt, new Date(s.h.clock.now().getTime() + 5_000).toISOString());
    assert.equal(d.attempts[0].result, 'http_status');
    assert.equal(d.attempts[0].responseStatus, 302);
    assert.equal(d.attempts[0].error, 'redirects are not followed');
  });

  it('counts no answer within the timeout as a failed attempt', async () => {
    const ep = await endpoint();
    await publish();
    s.receiver.respond('hang');
    await s.h.worker({ timeoutMs: 200 }).runOnce();
    const d = await onlyDelivery(ep.id);
    assert.equal(d.status, 'pending');
    assert.equal(d.attempts[0].result, 'timeout');
    assert.equal(d.attempts[0].responseStatus, null);
  });

  it('counts a refused connection as a failed attempt', async () => {
    const closed = await startReceiver();
    const url = `${closed.url}/gone`;
    await closed.close();
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: headers(),
      payload: { url, eventTypes: ['balance.*'] },
    });
    await publish();
    await s.h.worker().runOnce();
    const d = await onlyDelivery(res.json().id);
    assert.equal(d.attempts[0].result, 'connection_error');
    assert.match(d.attempts[0].error, /ECONNREFUSED/);
  });

  it(`keeps at most ${RESPONSE_BODY_KEPT_BYTES} bytes of what the endpoint answers`, async () => {
    const ep = await endpoint();
    await publish();
    s.receiver.respond({ status: 500, body: 'x'.repeat(64 * 1024) });
    await s.h.worker().runOnce();
    const d = await onlyDelivery(ep.id);
    assert.equal(d.attempts[0].responseBody.length, RESPONSE_BODY_KEPT_BYTES);
    // Whatever the bytes, the attempt can be stored: NUL, which PostgreSQL text refuses, is replaced.
    s.receiver.respond({ status: 500, body: 'a\u0000b' });
    const other = await endpoint('/nul');
    await publish();
    await s.h.worker().runOnce();
    const withNul = await onlyDelivery(other.id);
    assert.equal(withNul.attempts[0].responseBody, 'a\ufffdb');
  });

  it('delivers each due delivery once when several workers run at the same time', async () => {
    const ep = await endpoint();
    for (let i = 0; i < 12; i++) await publish();
    const counts = await Promise.all([
      s.h.worker().runOnce(),
      s.h.worker().runOnce(),
      s.h.worker().runOnce(),
    ]);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      12,
    );
    const ids = s.receiver.requests.map((r) => r.headers['webhook-id']);
    assert.equal(ids.length, 12);
    assert.equal(new Set(ids).size, 12);
    const list = await api('GET', `/v1/webhooks/endpoints/${ep.id}/deliveries?status=succeeded&limit=100`);
    assert.equal(list.json().data.length, 12);
  });
});
