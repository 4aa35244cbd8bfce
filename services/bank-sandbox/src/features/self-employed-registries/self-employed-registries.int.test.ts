import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { formatRubles } from '@strongbox/kernel';
import fc from 'fast-check';
import {
  activeRecipient,
  paidRegistry,
  registryCall,
  resultOf,
  SE,
} from '../../self-employed-test-support.ts';
import { type Harness, startReceiver, startSandbox } from '../../test-support.ts';

const receiver = await startReceiver();
let h: Harness;
before(async () => {
  h = await startSandbox({ notificationUrl: receiver.url });
});
after(async () => {
  await h.close();
  await receiver.close();
});
beforeEach(async () => {
  await h.tick();
  receiver.received.length = 0;
});

const card = async (id: number) => h.call('GET', `${SE}/payment-registry/${id}`);
const receiptsOf = async (id: number, version = 'v1') => {
  const started = await h.create(`${SE}/payment-registry/receipts`, { paymentRegistryId: id });
  assert.equal(started.status, 200, started.text);
  h.sim.clock.advance(1_000);
  const path = `/api/${version}/self-employed/payment-registry/receipts/result`;
  return h.call('GET', `${path}?correlationId=${started.json.correlationId}`);
};
const sent = () => receiver.received.map((r) => JSON.parse(r.body));

describe('a payment registry', () => {
  it('goes DRAFT, SUBMITTED, PROCESSING, EXECUTED; receipts go IN_PROGRESS, then SUCCESS with number and link, notified', async () => {
    const a = await activeRecipient(h);
    const b = await activeRecipient(h);
    const created = await registryCall(
      h,
      'create',
      `{"payments":[{"number":1,"recipientId":${a.id},"sum":0.1,"paymentPurpose":"Design"},{"number":2,"recipientId":${b.id},"sum":0.29,"paymentPurpose":"Texts"}]}`,
    );
    assert.equal(created.status, 'CREATED', JSON.stringify(created));
    const id = created.paymentRegistryId;
    assert.equal((await card(id)).json.status, 'DRAFT');
    const signed = await registryCall(h, 'submit', { paymentRegistryId: id });
    assert.deepEqual(signed, { paymentRegistryId: id, status: 'ACCEPTED', paymentErrors: [] });
    assert.equal((await card(id)).json.status, 'SUBMITTED');
    const paid = await registryCall(h, 'pay', { paymentRegistryId: id });
    assert.equal(paid.status, 'EXECUTED');
    assert.equal(paid.count, 2);
    assert.deepEqual(
      paid.paymentResults.map((r: { paymentStatus: string }) => r.paymentStatus),
      ['EXECUTED', 'EXECUTED'],
    );
    const pending = await receiptsOf(id);
    assert.equal(pending.json.status, 'FINISHED');
    assert.deepEqual(
      pending.json.receipts.map((r: { status: string }) => r.status),
      ['IN_PROGRESS', 'IN_PROGRESS'],
      'the receipts are not issued before their time',
    );
    assert.equal((await card(id)).json.status, 'PROCESSING');
    h.sim.clock.advance(1_000);
    await h.tick();
    const issued = await receiptsOf(id);
    const [r1, r2] = issued.json.receipts;
    assert.equal(r1.status, 'SUCCESS');
    assert.match(r1.receiptNumber, /^20[0-9a-z]+$/);
    assert.equal(r1.link, `https://lknpd.nalog.ru/api/v1/receipt/${a.inn}/${r1.receiptNumber}/print`);
    assert.equal(r1.selfEmployedInfo.inn, a.inn);
    assert.equal(r1.selfEmployedInfo.recipientId, a.id);
    assert.notEqual(r1.receiptNumber, r2.receiptNumber);
    assert.match(issued.text, /"sum":0\.1,/);
    assert.match(issued.text, /"sum":0\.29,/);
    assert.deepEqual((await receiptsOf(id, 'v2')).json, issued.json, 'the v2 path reads the same receipts');
    assert.equal((await card(id)).json.status, 'EXECUTED');
    await h.tick();
    const ready = sent().filter((n) => n.type === 'SELF_EMPLOYED_RECEIPT_READY');
    assert.deepEqual(ready.map((n) => n.objectId).sort(), [`${id}-1`, `${id}-2`]);
    assert.equal(ready.find((n) => n.objectId === `${id}-1`).data.link, r1.link);
    const raw = receiver.received.map((r) => r.body).find((b) => b.includes(`"objectId":"${id}-2"`));
    assert.match(raw ?? '', /"sum":0\.29,/, 'the notification writes the amount exactly');
  });

  it('writes amounts back exactly: 0.1, 0.29 and 9007199254740.99, and their total', async () => {
    const a = await activeRecipient(h);
    const sums = ['0.1', '0.29', '9007199254740.99'];
    const { id } = await paidRegistry(
      h,
      sums.map((sum) => ({ recipientId: a.id, sum })),
    );
    const res = await card(id);
    for (const sum of sums) assert.ok(res.text.includes(`"sum":${sum},`), `${sum} in ${res.text}`);
    assert.ok(res.text.includes('"totalSum":9007199254741.38,'), res.text);
    assert.equal(res.json.paymentsCount, 3);
    const { rows } = await h.pool.query(
      'select amount::text from se_registry_payments where registry_id = $1 order by number',
      [id],
    );
    assert.deepEqual(
      rows.map((r) => r.amount),
      ['10', '29', '900719925474099'],
    );
  });

  it('keeps any two amounts exact, and their total, from the request text to the card and the database', async () => {
    const a = await activeRecipient(h);
    const kopecks = fc.bigInt({ min: 1n, max: 10n ** 17n - 1n });
    await fc.assert(
      fc.asyncProperty(kopecks, kopecks, async (x, y) => {
        const created = await registryCall(
          h,
          'create',
          `{"payments":[{"number":1,"recipientId":${a.id},"sum":${formatRubles(x)},"paymentPurpose":"A"},{"number":2,"recipientId":${a.id},"sum":${formatRubles(y)},"paymentPurpose":"B"}]}`,
        );
        const res = await card(created.paymentRegistryId);
        assert.ok(res.text.includes(`"totalSum":${formatRubles(x + y)},`), res.text);
        assert.ok(
          res.text.includes(`"sum":${formatRubles(x)},`) && res.text.includes(`"sum":${formatRubles(y)},`),
        );
        const { rows } = await h.pool.query(
          'select amount::text from se_registry_payments where registry_id = $1 order by number',
          [created.paymentRegistryId],
        );
        assert.deepEqual(
          rows.map((r) => r.amount),
          [String(x), String(y)],
        );
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it('lists registries by status and period, with their count and exact total', async () => {
    const a = await activeRecipient(h);
    const { id } = await paidRegistry(h, [
      { recipientId: a.id, sum: '0.1' },
      { recipientId: a.id, sum: '0.29' },
    ]);
    const today = h.sim.clock.now().toISOString().slice(0, 10);
    const list = await h.call('POST', `${SE}/payment-registry/list`, {
      statuses: ['PROCESSING'],
      periodStart: today,
      periodEnd: today,
    });
    assert.equal(list.status, 200, list.text);
    const mine = list.json.paymentOrders.find(
      (o: { paymentRegistryId: number }) => o.paymentRegistryId === id,
    );
    assert.equal(mine.count, 2);
    assert.equal(mine.status, 'PROCESSING');
    assert.ok(list.text.includes(`"paymentRegistryId":${id},`));
    assert.ok(list.text.includes('"sum":0.39,'), list.text);
    const executed = await h.call('POST', `${SE}/payment-registry/list`, { statuses: ['EXECUTED'] });
    assert.ok(
      !executed.json.paymentOrders.some((o: { paymentRegistryId: number }) => o.paymentRegistryId === id),
    );
    const before = await h.call('POST', `${SE}/payment-registry/list`, { periodEnd: '2020-01-01' });
    assert.deepEqual(before.json.paymentOrders, []);
    assert.equal((await h.call('POST', `${SE}/payment-registry/list`, { limit: 0 })).status, 400);
    const all = await h.call('POST', `${SE}/payment-registry/list`);
    assert.ok(all.json.paymentOrders.some((o: { paymentRegistryId: number }) => o.paymentRegistryId === id));
  });

  it('refuses a payment to a recipient who is not ACTIVE: the whole registry (FAIL_ERRORS) or that payment (IGNORE_ERRORS)', async () => {
    const active = await activeRecipient(h);
    const started = await h.create(`${SE}/recipients/create`, {
      recipients: [{ number: 1, inn: '500100732259', firstName: 'Ivan', lastName: 'Petrov' }],
    });
    h.sim.clock.advance(500);
    const waiting = (
      await h.call('GET', `${SE}/recipients/create/result?correlationId=${started.json.correlationId}`)
    ).json.recipientResults[0].recipientId;
    const payments = [
      { number: 1, recipientId: active.id, sum: 10, paymentPurpose: 'Work' },
      { number: 2, recipientId: waiting, sum: 20, paymentPurpose: 'Work' },
      { number: 3, recipientId: 999_999, sum: 30, paymentPurpose: 'Work' },
    ];
    const failed = await registryCall(h, 'create', { payments });
    assert.equal(failed.status, 'ERROR');
    assert.deepEqual(
      failed.paymentErrors.map((e: { number: number }) => e.number),
      [2, 3],
    );
    assert.match(failed.paymentErrors[0].errors[0].errorDescription, /REGISTRATION_WAIT/);
    const partial = await registryCall(h, 'create', { payments, registryCreateType: 'IGNORE_ERRORS' });
    assert.equal(partial.status, 'CREATED');
    assert.equal(partial.paymentErrors.length, 2);
    assert.deepEqual(
      (await card(partial.paymentRegistryId)).json.payments.map((p: { number: number }) => p.number),
      [1],
    );
  });

  it('answers an action out of order as ERROR in its result, and an unknown registry 404', async () => {
    const a = await activeRecipient(h);
    const created = await registryCall(h, 'create', {
      payments: [{ number: 1, recipientId: a.id, sum: 1, paymentPurpose: 'Work' }],
    });
    const id = created.paymentRegistryId;
    const early = await registryCall(h, 'pay', { paymentRegistryId: id });
    assert.equal(early.status, 'ERROR');
    assert.equal(early.error.errorCode, 'CONFLICT');
    assert.equal((await receiptsOf(id)).json.status, 'ERROR');
    await registryCall(h, 'submit', { paymentRegistryId: id });
    assert.equal((await registryCall(h, 'submit', { paymentRegistryId: id })).status, 'ERROR');
    for (const action of ['submit', 'pay', 'receipts']) {
      const res = await h.create(`${SE}/payment-registry/${action}`, { paymentRegistryId: 999_999 });
      assert.equal(res.status, 404, action);
    }
    assert.equal((await card(999_999)).status, 404);
    const bad = await h.create(`${SE}/payment-registry/create`, {
      payments: [{ number: 1, recipientId: a.id, sum: 0.001, paymentPurpose: 'Work' }],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errorCode, 'VALIDATION_ERROR');
    const zero = await h.create(`${SE}/payment-registry/create`, {
      payments: [{ number: 1, recipientId: a.id, sum: 0, paymentPurpose: 'Work' }],
    });
    assert.equal(zero.status, 400);
  });

  it('pays once for one Idempotency-Key: the replay answers the first correlationId, and a paid registry cannot be paid again', async () => {
    const a = await activeRecipient(h);
    const created = await registryCall(h, 'create', {
      payments: [{ number: 1, recipientId: a.id, sum: 5, paymentPurpose: 'Work' }],
    });
    const id = created.paymentRegistryId;
    await registryCall(h, 'submit', { paymentRegistryId: id });
    const key = crypto.randomUUID();
    const first = await h.create(`${SE}/payment-registry/pay`, { paymentRegistryId: id }, key);
    const replay = await h.create(`${SE}/payment-registry/pay`, { paymentRegistryId: id }, key);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json.correlationId, first.json.correlationId);
    const result = await resultOf(h, 'payment-registry/pay', first.json.correlationId);
    assert.equal(result.status, 'EXECUTED');
    const again = await registryCall(h, 'pay', { paymentRegistryId: id });
    assert.equal(again.status, 'ERROR', 'a new key cannot pay a paid registry');
  });

  it('keeps registries and receipts across a restart and issues them after it', async () => {
    const a = await activeRecipient(h);
    const { id } = await paidRegistry(h, [{ recipientId: a.id, sum: '12.5' }]);
    h = await h.restart();
    h.sim.clock.advance(1_000);
    await h.tick();
    const receipts = await receiptsOf(id);
    assert.equal(receipts.json.receipts[0].status, 'SUCCESS');
    assert.match(receipts.text, /"sum":12\.5,/);
  });
});
