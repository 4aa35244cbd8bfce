/**
 * POST /v1/webhooks/deliveries/{id}/resend: a failed delivery sent again by hand, with the same webhook-id,
 * once per Idempotency-Key; another user's delivery is not found.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryScenario } from '../../test-scenario.ts';

const s = deliveryScenario();
const { endpoint, publish, onlyDelivery, api, headers } = s;

describe('resending', () => {
  it('resends a failed delivery by hand, with the same webhook-id, once per Idempotency-Key', async () => {
    const ep = await endpoint();
    const event = await publish();
    s.receiver.respond({ status: 500 });
    const worker = s.h.worker();
    await worker.runOnce();
    const pending = await onlyDelivery(ep.id);
    const busy = await api('POST', `/v1/webhooks/deliveries/${pending.id}/resend`);
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json().code, 'delivery_pending');

    // Disabling fails what is pending; a disabled endpoint's deliveries cannot be resent until it is enabled.
    await api('POST', `/v1/webhooks/endpoints/${ep.id}/disable`);
    assert.equal((await onlyDelivery(ep.id)).status, 'failed');
    const refused = await api('POST', `/v1/webhooks/deliveries/${pending.id}/resend`);
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'endpoint_disabled');
    await api('POST', `/v1/webhooks/endpoints/${ep.id}/enable`);

    s.receiver.respond({ status: 200 });
    const k = { ...headers() };
    const resend = () =>
      s.h.app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${pending.id}/resend`, headers: k });
    const first = await resend();
    assert.equal(first.statusCode, 202, first.body);
    assert.equal(first.json().status, 'pending');
    const replay = await resend();
    assert.equal(replay.statusCode, 202);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(await worker.runOnce(), 1);
    const d = await onlyDelivery(ep.id);
    assert.equal(d.status, 'succeeded');
    assert.deepEqual(
      d.attempts.map((a: { number: number; result: string }) => [a.number, a.result]),
      [
        [1, 'http_status'],
        [2, 'succeeded'],
      ],
    );
    assert.deepEqual(
      s.receiver.requests.map((r) => r.headers['webhook-id']),
      [event.id, event.id],
    );
  });

  it("answers 404 for another user's delivery", async () => {
    const ep = await endpoint();
    await publish();
    const d = await onlyDelivery(ep.id);
    const bob = { authorization: `Bearer ${await s.h.token('usr_bob')}`, 'idempotency-key': 'bob-1' };
    const get = await s.h.app.inject({ method: 'GET', url: `/v1/webhooks/deliveries/${d.id}`, headers: bob });
    assert.equal(get.statusCode, 404);
    assert.equal(get.json().code, 'delivery_not_found');
    const resend = await s.h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/deliveries/${d.id}/resend`,
      headers: bob,
    });
    assert.equal(resend.statusCode, 404);
  });
});
