import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudEvent } from '@strongbox/kernel';
import { withTransaction } from '@strongbox/postgres';
import { Webhook } from 'standardwebhooks';
import { recordEvent } from './app.ts';
import { deliveryScenario } from './test-scenario.ts';
import { EMPTY_ALLOW_LIST, startWebhooks } from './test-support.ts';

/** SSRF at delivery time, the vetted address, and signing across a secret rotation. */
const s = deliveryScenario();
const { endpoint, publish, onlyDelivery, headers } = s;

describe('SSRF guard at delivery time', () => {
  it('refuses and records an attempt when the target is no longer allowed, without connecting', async () => {
    // Registered while loopback was allowed (as a DNS answer that later changes would be), then delivered
    // by a worker whose allow-list no longer includes it.
    const ep = await endpoint();
    await publish();
    const before = (await s.h.metrics.attempts.get()).values.find(
      (v) => v.labels.result === 'blocked',
    )?.value;
    await s.h.worker({ allow: EMPTY_ALLOW_LIST }).runOnce();
    assert.equal(s.receiver.requests.length, 0);
    const d = await onlyDelivery(ep.id);
    assert.equal(d.status, 'pending');
    assert.equal(d.attempts[0].result, 'blocked');
    assert.match(d.attempts[0].error, /127\.0\.0\.1/);
    assert.match(d.attempts[0].error, /loopback/);
    const after = (await s.h.metrics.attempts.get()).values.find((v) => v.labels.result === 'blocked')?.value;
    assert.equal(after, (before ?? 0) + 1);
  });

  it('refuses a name that now resolves to a private address', async () => {
    const ep = await endpoint();
    await publish();
    const rebound = s.h.worker({
      allow: EMPTY_ALLOW_LIST,
      resolve: async () => [{ address: '10.0.0.1', family: 4 }],
    });
    await rebound.runOnce();
    assert.equal(s.receiver.requests.length, 0);
    const d = await onlyDelivery(ep.id);
    assert.equal(d.attempts[0].result, 'blocked');
  });
});

describe('connecting to the vetted address', () => {
  it('connects to the address the check approved, without asking DNS again', async () => {
    // `s.receiver.test` exists only in this resolver, which answers once per check; node's own resolver
    // cannot find it, so the delivery arriving proves the socket used the vetted address.
    const asked: string[] = [];
    const fake = await startWebhooks({
      resolve: async (host) => {
        asked.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    try {
      const token = await fake.token('usr_dns');
      const port = new URL(s.receiver.url).port;
      const res = await fake.app.inject({
        method: 'POST',
        url: '/v1/webhooks/endpoints',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'dns-1' },
        payload: { url: `http://s.receiver.test:${port}/named`, eventTypes: ['*'] },
      });
      assert.equal(res.statusCode, 201, res.body);
      const event = cloudEvent(
        {
          service: 'balance',
          type: 'balance.account.opened',
          subject: 'acc_1',
          data: {},
          parties: ['usr_dns'],
        },
        fake.clock,
      );
      await withTransaction(fake.pool, (tx) => recordEvent(tx, event, fake.clock));
      assert.equal(await fake.worker().runOnce(), 1);
      assert.deepEqual(asked, ['s.receiver.test', 's.receiver.test']);
      const got = s.receiver.requests.find((r) => r.url === '/named');
      assert.ok(got, 'the receiver got the delivery');
      assert.equal(got.headers.host, `s.receiver.test:${port}`);
    } finally {
      await fake.close();
    }
  });
});

describe('secret rotation', () => {
  it('signs with both secrets during the grace period, then with the new one only', async () => {
    const ep = await endpoint();
    const rotated = await s.h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/endpoints/${ep.id}/rotate-secret`,
      headers: headers(),
      payload: { graceSeconds: 60 },
    });
    const fresh = rotated.json().secret as string;
    const worker = s.h.worker();

    await publish();
    await worker.runOnce();
    const during = s.receiver.requests[0]!;
    assert.equal((during.headers['webhook-signature'] as string).split(' ').length, 2);
    for (const secret of [ep.secret, fresh])
      assert.ok(new Webhook(secret).verify(during.body, during.headers as Record<string, string>));

    s.h.clock.advance(60_000);
    await publish();
    await worker.runOnce();
    const afterGrace = s.receiver.requests[1]!;
    assert.equal((afterGrace.headers['webhook-signature'] as string).split(' ').length, 1);
    assert.ok(new Webhook(fresh).verify(afterGrace.body, afterGrace.headers as Record<string, string>));
    assert.throws(() =>
      new Webhook(ep.secret).verify(afterGrace.body, afterGrace.headers as Record<string, string>),
    );
  });
});
