import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { type CloudEvent, cloudEvent } from '@strongbox/kernel';
import { withTransaction } from '@strongbox/postgres';
import type { LightMyRequestResponse } from 'fastify';
import { recordEvent } from './app.ts';
import { type Harness, type Receiver, startReceiver, startWebhooks } from './test-support.ts';

/**
 * Shared set-up of the delivery tests: one app and one receiver per file, and per test a user of its own
 * (so the events a test publishes reach only its own endpoints), a clean queue and a clock at real time.
 */
export interface DeliveryScenario {
  readonly h: Harness;
  readonly receiver: Receiver;
  readonly user: string;
  /** Auth and a fresh Idempotency-Key, as the test's user. */
  headers(): Record<string, string>;
  /** Registers an endpoint at the receiver for `balance.*`. */
  endpoint(path?: string): Promise<{ id: string; secret: string }>;
  /** Records a balance event naming `parties` (default: the test's user), as the consumer would. */
  publish(parties?: string[]): Promise<CloudEvent>;
  api(method: 'GET' | 'POST', url: string): Promise<LightMyRequestResponse>;
  /** The endpoint's only delivery, with its attempts. */
  onlyDelivery(endpointId: string): Promise<ReturnType<typeof JSON.parse>>;
}

export function deliveryScenario(): DeliveryScenario {
  let h: Harness;
  let receiver: Receiver;
  let users = 0;
  let keys = 0;
  let user = '';
  let token = '';
  before(async () => {
    h = await startWebhooks();
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await h.close();
  });
  beforeEach(async () => {
    // Tests share one database: what an earlier test left pending must not be attempted by a later one's
    // worker. The fixed clock restarts at the real time, which Webhook.verify checks timestamps against.
    await h.pool.query(
      `update deliveries set status = 'failed', next_attempt_at = null where status = 'pending'`,
    );
    h.clock.set(new Date());
    user = `usr_${++users}`;
    token = await h.token(user);
    receiver.requests.length = 0;
    receiver.respond({ status: 204 });
  });
  const headers = () => ({ authorization: `Bearer ${token}`, 'idempotency-key': `k-${++keys}` });
  const api = (method: 'GET' | 'POST', url: string) => h.app.inject({ method, url, headers: headers() });
  return {
    get h() {
      return h;
    },
    get receiver() {
      return receiver;
    },
    get user() {
      return user;
    },
    headers,
    api,
    async endpoint(path = '/hook') {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/webhooks/endpoints',
        headers: headers(),
        payload: { url: `${receiver.url}${path}`, eventTypes: ['balance.*'] },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    },
    async publish(parties = [user]) {
      const event = cloudEvent(
        {
          service: 'balance',
          type: 'balance.transfer.posted',
          subject: 'tr_1',
          data: { amountMinor: 1250, currency: 'EUR' },
          traceId: 'trace-abc-123',
          parties,
        },
        h.clock,
      );
      await withTransaction(h.pool, (tx) => recordEvent(tx, event, h.clock));
      return event;
    },
    async onlyDelivery(endpointId) {
      const list = await api('GET', `/v1/webhooks/endpoints/${endpointId}/deliveries`);
      assert.equal(list.statusCode, 200, list.body);
      assert.equal(list.json().data.length, 1);
      const detail = await api('GET', `/v1/webhooks/deliveries/${list.json().data[0].id}`);
      assert.equal(detail.statusCode, 200, detail.body);
      return detail.json();
    },
  };
}
