import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  activeRecipient,
  freshInn,
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
  await h.call('DELETE', '/_sim/faults');
  await h.tick();
  receiver.received.length = 0;
});

const setNpd = (inn: string, status: string) =>
  h.call('PUT', `/_sim/self-employed/recipients/${inn}/npd-status`, { status });
const npd = async (id: number) => (await h.call('GET', `${SE}/recipients/${id}`)).json.selfEmployedStatus;
const receipts = async (id: number) => {
  const started = await h.create(`${SE}/payment-registry/receipts`, { paymentRegistryId: id });
  return (await resultOf(h, 'payment-registry/receipts', started.json.correlationId)).receipts;
};
/** Receipts are due a second after payment: one round past it issues them and sends the notifications. */
const fiscalize = async () => {
  h.sim.clock.advance(1_000);
  await h.tick();
  await h.tick();
};
const sent = (type: string) =>
  receiver.received.map((r) => JSON.parse(r.body)).filter((n) => n.type === type);

describe('an NPD status that changes', () => {
  it('mid-deal, between signing and paying: the payment is refused and the registry REJECTED', async () => {
    const a = await activeRecipient(h);
    const created = await registryCall(h, 'create', {
      payments: [{ number: 1, recipientId: a.id, sum: 100, paymentPurpose: 'Work' }],
    });
    const id = created.paymentRegistryId;
    await registryCall(h, 'submit', { paymentRegistryId: id });
    const set = await setNpd(a.inn, 'NOT_ACTIVE');
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.recipient.selfEmployedStatus, 'NOT_ACTIVE');
    assert.equal(await npd(a.id), 'NOT_ACTIVE');
    const paid = await registryCall(h, 'pay', { paymentRegistryId: id });
    assert.equal(paid.status, 'REJECTED');
    assert.equal(paid.paymentResults[0].paymentStatus, 'ERROR');
    assert.match(paid.paymentResults[0].errors[0].errorDescription, /NOT_ACTIVE/);
    assert.equal((await h.call('GET', `${SE}/payment-registry/${id}`)).json.status, 'REJECTED');
    const check = await h.call('POST', `${SE}/npd-status`, { inn: a.inn });
    assert.equal(check.json.status, false);
  });

  it('after paying, before the receipt: the receipt ends ERROR and is notified as failed', async () => {
    const a = await activeRecipient(h);
    const { id } = await paidRegistry(h, [{ recipientId: a.id, sum: '7.77' }]);
    await setNpd(a.inn, 'NOT_CONFIRM');
    await fiscalize();
    const [r] = await receipts(id);
    assert.equal(r.status, 'ERROR');
    assert.equal(r.error.errorCode, 'NPD_STATUS_NOT_ACTIVE');
    assert.equal(r.link, null);
    const [n] = sent('SELF_EMPLOYED_RECEIPT_FAILED');
    assert.equal(n.objectId, `${id}-1`);
    assert.equal(n.status, 'ERROR');
  });

  it('before the registration: the waiting recipient ends in the set status, or keeps waiting while it is REGISTRATION_WAIT', async () => {
    const refused = freshInn();
    const stuck = freshInn();
    await setNpd(refused, 'NOT_CONFIRM');
    await setNpd(stuck, 'REGISTRATION_WAIT');
    const started = await h.create(`${SE}/recipients/create`, {
      recipients: [
        { number: 1, inn: refused, firstName: 'A', lastName: 'B' },
        { number: 2, inn: stuck, firstName: 'C', lastName: 'D' },
      ],
    });
    const [r1, r2] = (await resultOf(h, 'recipients/create', started.json.correlationId)).recipientResults;
    h.sim.clock.advance(10_000);
    await h.tick();
    assert.equal(await npd(r1.recipientId), 'NOT_CONFIRM');
    assert.equal((await h.call('GET', `${SE}/recipients/${r1.recipientId}`)).json.status, 'REJECTED');
    assert.equal(await npd(r2.recipientId), 'REGISTRATION_WAIT');
    await setNpd(stuck, 'ACTIVE');
    assert.equal(await npd(r2.recipientId), 'ACTIVE', 'set at once, without waiting for a round');
    const check = await h.call('POST', `${SE}/npd-status`, { inn: freshInn() });
    assert.equal(check.json.selfEmployedStatus, 'ACTIVE', 'other INNs are untouched');
  });

  it('refuses an unknown status or a malformed INN', async () => {
    assert.equal((await setNpd(freshInn(), 'SOMETIMES')).status, 400);
    assert.equal((await setNpd('12345', 'ACTIVE')).status, 400);
  });
});

describe('a receipt cancelled after it was issued', () => {
  it('becomes CANCELED, is notified, and cannot be cancelled twice; a pending one cannot be cancelled', async () => {
    const a = await activeRecipient(h);
    const { id } = await paidRegistry(h, [{ recipientId: a.id, sum: '3.5' }]);
    const cancel = () => h.call('POST', `/_sim/self-employed/payment-registry/${id}/receipts/1/cancel`);
    const early = await cancel();
    assert.equal(early.status, 409);
    assert.equal(early.json.errorCode, 'CONFLICT');
    await fiscalize();
    const [issued] = await receipts(id);
    assert.equal(issued.status, 'SUCCESS');
    const done = await cancel();
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.status, 'CANCELED');
    const [r] = await receipts(id);
    assert.equal(r.status, 'CANCELED');
    assert.equal(r.receiptNumber, issued.receiptNumber, 'the annulled receipt keeps its number');
    assert.equal(r.error.errorCode, 'RECEIPT_CANCELED');
    await h.tick();
    const [n] = sent('SELF_EMPLOYED_RECEIPT_CANCELLED');
    assert.equal(n.objectId, `${id}-1`);
    assert.equal(n.data.receiptNumber, issued.receiptNumber);
    assert.equal((await cancel()).status, 409);
    const missing = await h.call('POST', `/_sim/self-employed/payment-registry/${id}/receipts/9/cancel`);
    assert.equal(missing.status, 404);
  });
});

describe('fiscalization failure for an INN', () => {
  it('ends that INN’s receipts FISCALIZE_FAILED and leaves the others SUCCESS; DELETE /_sim/faults clears it', async () => {
    const failing = await activeRecipient(h);
    const fine = await activeRecipient(h);
    const put = await h.call('PUT', '/_sim/self-employed/faults', { fiscalizeFailing: [failing.inn] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await h.call('GET', '/_sim/faults')).json.selfEmployed.fiscalizeFailing, [failing.inn]);
    const { id } = await paidRegistry(h, [
      { recipientId: failing.id, sum: '1' },
      { recipientId: fine.id, sum: '2' },
    ]);
    await fiscalize();
    const [r1, r2] = await receipts(id);
    assert.equal(r1.status, 'FISCALIZE_FAILED');
    assert.equal(r1.error.errorCode, 'FISCALIZE_FAILED');
    assert.equal(r2.status, 'SUCCESS');
    assert.equal(sent('SELF_EMPLOYED_RECEIPT_FAILED')[0].status, 'FISCALIZE_FAILED');
    assert.equal(sent('SELF_EMPLOYED_RECEIPT_READY')[0].objectId, `${id}-2`);
    await h.call('DELETE', '/_sim/faults');
    assert.deepEqual((await h.call('GET', '/_sim/self-employed/faults')).json, {
      npdStatus: {},
      fiscalizeFailing: [],
    });
  });

  it('refuses switches it does not know and INNs that are not 12 digits', async () => {
    for (const body of [
      { fiscalizeFailing: ['7707083893'] },
      { npdStatus: { abc: 'ACTIVE' } },
      { explode: 1 },
    ]) {
      assert.equal(
        (await h.call('PUT', '/_sim/self-employed/faults', body)).status,
        400,
        JSON.stringify(body),
      );
    }
    const inn = freshInn();
    const put = await h.call('PUT', '/_sim/self-employed/faults', { npdStatus: { [inn]: 'NOT_ACTIVE' } });
    assert.deepEqual(put.json.npdStatus, { [inn]: 'NOT_ACTIVE' });
    assert.equal((await h.call('POST', `${SE}/npd-status`, { inn })).json.selfEmployedStatus, 'NOT_ACTIVE');
  });
});
