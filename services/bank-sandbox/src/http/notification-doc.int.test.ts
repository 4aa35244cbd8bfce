import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Harness, SECRET, startReceiver, startSandbox } from '../test-support.ts';

const receiver = await startReceiver();
let h: Harness;
before(async () => {
  h = await startSandbox({ notificationUrl: receiver.url });
});
after(async () => {
  await h.close();
  await receiver.close();
});

describe('the OpenAPI document', () => {
  it('describes how notifications are signed, in the description and as a webhook', async () => {
    const doc = (await h.call('GET', '/openapi.json')).json;
    const text: string = doc.info.description;
    for (const needle of [
      'X-Notification-Id',
      'X-Timestamp',
      'X-Signature',
      'HMAC-SHA256',
      '`<X-Timestamp>.<raw body>`',
      'BANK_NOTIFICATION_SECRET',
      'comma-separated',
      'constant time',
    ])
      assert.ok(text.includes(needle), `the description names ${needle}`);
    const hook = doc.webhooks.bankNotification.post;
    assert.deepEqual(
      hook.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
      ['header:X-Notification-Id', 'header:X-Timestamp', 'header:X-Signature'],
    );
    assert.ok(
      hook.requestBody.content['application/json'].schema.properties.type.enum.includes('PAYMENT_FAILED'),
    );
    assert.ok(doc.paths['/_sim/faults'] && doc.paths['/api/v1/nominal-accounts/virtual-accounts/transfers']);
  });

  it('is enough to check a real notification: its headers match the documented patterns and the HMAC', async () => {
    const doc = (await h.call('GET', '/openapi.json')).json;
    const patterns = new Map<string, RegExp>(
      doc.webhooks.bankNotification.post.parameters.map(
        (p: { name: string; schema: { pattern: string } }) => [
          p.name.toLowerCase(),
          new RegExp(p.schema.pattern),
        ],
      ),
    );
    await h.call('POST', '/_sim/incoming', '{"amount":12.5,"purpose":"deposit"}');
    await h.tick();
    const [n] = receiver.received;
    assert.ok(n);
    for (const [name, pattern] of patterns) assert.match(String(n.headers[name]), pattern, name);
    // Exactly as the document says: hex HMAC-SHA256 of "<X-Timestamp>.<raw body>".
    const mac = createHmac('sha256', SECRET).update(`${n.headers['x-timestamp']}.${n.body}`).digest('hex');
    assert.equal(n.headers['x-signature'], mac);
  });
});
