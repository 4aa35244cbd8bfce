import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  API,
  fund,
  type Harness,
  SECRET,
  scoredBeneficiary,
  startReceiver,
  startSandbox,
} from '../test-support.ts';

/**
 * The receiver's side, written apart from the sandbox's signer (WebCrypto rather than node:crypto's
 * createHmac): hex HMAC-SHA256 of "<X-Timestamp>.<raw body>", one per secret during a rotation.
 */
async function expectedSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    enc.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${timestamp}.${body}`)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

let statuses: number[] = [];
const receiver = await startReceiver((n) => statuses[n - 1] ?? 200);
const NEXT_SECRET = 'the-next-secret-of-the-rotation';
let h: Harness;
before(async () => {
  h = await startSandbox({ notificationUrl: receiver.url, secrets: [SECRET, NEXT_SECRET] });
});
after(async () => {
  await h.close();
  await receiver.close();
});
beforeEach(async () => {
  // Earlier notifications are sent and forgotten, so each test counts only its own.
  await h.tick();
  receiver.received.length = 0;
  statuses = [];
});

const incoming = (rubles: string) =>
  h.call('POST', '/_sim/incoming', `{"amount":${rubles},"purpose":"deposit"}`);

describe('notifications', () => {
  it('are signed per secret during a rotation, with id, timestamp and the exact amounts in the body', async () => {
    const res = await incoming('9007199254740.99');
    assert.equal((await h.tick()).delivered, 1);
    const [n] = receiver.received;
    assert.ok(n);
    const id = n.headers['x-notification-id'] as string;
    const timestamp = n.headers['x-timestamp'] as string;
    assert.equal(timestamp, String(Math.floor(h.sim.clock.now().getTime() / 1000)));
    assert.deepEqual((n.headers['x-signature'] as string).split(','), [
      await expectedSignature(SECRET, timestamp, n.body),
      await expectedSignature(NEXT_SECRET, timestamp, n.body),
    ]);
    const body = JSON.parse(n.body);
    assert.equal(body.notificationId, id);
    assert.equal(body.type, 'INCOMING_PAYMENT_RECEIVED');
    assert.equal(body.objectId, res.json.operationId);
    assert.equal(body.status, 'UNIDENTIFIED');
    assert.equal(body.occurredAt, h.sim.clock.now().toISOString());
    assert.match(n.body, /"amount":9007199254740\.99/);
  });

  it('report identify, scoring, deal and payment changes', async () => {
    const ben = await scoredBeneficiary(h);
    await fund(h, ben, '1');
    await h.tick();
    const types = receiver.received.map((r) => JSON.parse(r.body).type);
    assert.deepEqual(types, ['SCORING_FINISHED', 'INCOMING_PAYMENT_RECEIVED', 'INCOMING_PAYMENT_IDENTIFIED']);
  });

  it('are retried after a failure with growing delays, and given up after five retries', async () => {
    statuses = [500, 503];
    await incoming('1');
    await h.tick();
    assert.equal(receiver.received.length, 1);
    h.sim.clock.advance(999);
    await h.tick();
    assert.equal(receiver.received.length, 1, 'not before the first delay');
    h.sim.clock.advance(1);
    await h.tick();
    assert.equal(receiver.received.length, 2);
    h.sim.clock.advance(4_000);
    await h.tick();
    assert.equal(receiver.received.length, 3, 'the third attempt succeeds');
    assert.equal(
      new Set(receiver.received.map((r) => r.headers['x-notification-id'])).size,
      1,
      'one id for every attempt',
    );

    receiver.received.length = 0;
    statuses = Array(10).fill(500);
    await incoming('2');
    for (let i = 0; i < 8; i++) {
      await h.tick();
      h.sim.clock.advance(1_000 * 4 ** i);
    }
    assert.equal(receiver.received.length, 6, 'the first attempt and five retries');
    const { rows } = await h.pool.query(
      `select attempts, given_up_at is not null as given_up from notifications where delivered_at is null`,
    );
    assert.deepEqual(rows, [{ attempts: 6, given_up: true }]);
  });

  it('can be dropped, duplicated and delayed on demand', async () => {
    await h.call('PUT', '/_sim/faults', {
      dropNotifications: 1,
      duplicateNotifications: 1,
      notificationDelayMs: 5_000,
    });
    await incoming('1');
    await incoming('2');
    await h.tick();
    assert.equal(receiver.received.length, 0, 'delayed');
    h.sim.clock.advance(5_000);
    await h.tick();
    const amounts = receiver.received.map((r) => JSON.parse(r.body).data.amount);
    assert.deepEqual(amounts, [2, 2], 'the first dropped, the second sent twice');
    await h.call('DELETE', '/_sim/faults');
  });
});

describe('restart', () => {
  it('loses neither payouts in flight nor notifications not yet sent', async () => {
    statuses = Array(3).fill(500);
    const ben = await scoredBeneficiary(h);
    await fund(h, ben, '3');
    await h.create(`${API}/beneficiaries/${ben}/bank-details`, {
      type: 'CARD',
      cardNumber: '4111111111111111',
    });
    const pay = await h.create(
      `${API}/payments`,
      `{"type":"REGULAR","beneficiaryId":"${ben}","amount":3,"purpose":"Out"}`,
    );
    assert.equal(pay.status, 201, pay.text);
    h = await h.restart();
    statuses = [];
    for (let i = 0; i < 4; i++) {
      h.sim.clock.advance(60_000);
      await h.tick();
    }
    assert.equal((await h.call('GET', `${API}/payments/${pay.json.paymentId}`)).json.status, 'SUCCEEDED');
    const types = receiver.received.map((r) => JSON.parse(r.body).type);
    assert.ok(
      types.includes('INCOMING_PAYMENT_IDENTIFIED') && types.includes('PAYMENT_SUCCEEDED'),
      types.join(),
    );
  });
});
