import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { formatRubles } from '@strongbox/kernel';
import { ACCOUNT, BIK, CARD, NOMINAL, PERSON_INN } from '../../../services/bank-sandbox/src/test-support.ts';
import { BankError } from './errors.ts';
import { type Bank, startBank } from './test-support.ts';

const key = () => randomUUID();
const person = { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Ivan', lastName: 'Petrov' } as const;

let bank: Bank;
before(async () => {
  bank = await startBank();
});
after(async () => {
  await bank.close();
});

/** A beneficiary with `kopecks` on its virtual account: money from outside, identified to it. */
async function funded(kopecks: bigint) {
  const c = bank.client;
  const b = await c.createBeneficiary(person, key());
  const incoming = await bank.h.call('POST', '/_sim/incoming', `{"amount":${formatRubles(kopecks)}}`);
  assert.equal(incoming.status, 201, incoming.text);
  await c.identifyIncoming(
    incoming.json.operationId,
    [{ beneficiaryId: b.beneficiaryId, amount: kopecks }],
    key(),
  );
  return b;
}

describe('editing through the bank client', () => {
  it('beneficiaries are listed and updated; bank details read and deleted, the default moving on', async () => {
    const c = bank.client;
    const b = await c.createBeneficiary(person, key());
    assert.ok((await c.listBeneficiaries({ limit: 100 })).some((x) => x.beneficiaryId === b.beneficiaryId));
    const changed = await c.updateBeneficiary(b.beneficiaryId, {
      isSelfEmployed: true,
      phone: '+79990001122',
    });
    assert.deepEqual(
      [changed.isSelfEmployed, changed.phone, changed.inn],
      [true, '+79990001122', PERSON_INN],
    );
    const account = await c.createBankDetails(
      b.beneficiaryId,
      { type: 'PAYMENT_DETAILS', accountNumber: ACCOUNT, bik: BIK },
      key(),
    );
    const card = await c.createBankDetails(b.beneficiaryId, { type: 'CARD', cardNumber: CARD }, key());
    assert.equal(
      (await c.getBankDetails(b.beneficiaryId, card.bankDetailsId)).cardNumberMask,
      '411111******1111',
    );
    await c.deleteBankDetails(b.beneficiaryId, account.bankDetailsId);
    assert.deepEqual(
      (await c.listBankDetails(b.beneficiaryId)).map((d) => [d.bankDetailsId, d.isDefault]),
      [[card.bankDetailsId, true]],
    );
    await assert.rejects(c.getBankDetails(b.beneficiaryId, account.bankDetailsId), {
      name: 'BankError',
      status: 404,
    });
  });

  it('a draft deal is edited: steps, deponents and recipients removed; back to DRAFT after accept; deleted', async () => {
    const c = bank.client;
    const buyer = await funded(300n);
    await bank.tick();
    const deal = await c.createDeal(NOMINAL, key());
    const one = await c.createStep(deal.dealId, 'First part', key());
    const two = await c.createStep(deal.dealId, 'Second part', key());
    assert.deepEqual(
      (await c.listSteps(deal.dealId)).map((s) => s.position),
      [1, 2],
    );
    await c.deleteStep(deal.dealId, two.stepId);
    await c.putDeponent(deal.dealId, one.stepId, buyer.beneficiaryId, 300n);
    const r = await c.addRecipient(
      deal.dealId,
      one.stepId,
      { beneficiaryId: buyer.beneficiaryId, amount: 300n, purpose: 'Back', keepOnVirtualAccount: true },
      key(),
    );
    await c.deleteRecipient(deal.dealId, one.stepId, r.recipientId);
    await c.deleteDeponent(deal.dealId, one.stepId, buyer.beneficiaryId);
    const bare = await c.getDeal(deal.dealId);
    assert.deepEqual([bare.steps.length, bare.steps[0]?.deponents, bare.steps[0]?.recipients], [1, [], []]);
    const invalid = await c.checkDeal(deal.dealId);
    assert.equal(invalid.isValid, false);
    assert.ok(invalid.reasons.length > 0);

    await c.putDeponent(deal.dealId, one.stepId, buyer.beneficiaryId, 300n);
    await c.addRecipient(
      deal.dealId,
      one.stepId,
      { beneficiaryId: buyer.beneficiaryId, amount: 300n, purpose: 'Back', keepOnVirtualAccount: true },
      key(),
    );
    await c.acceptDeal(deal.dealId);
    assert.equal((await c.getBalance(buyer.beneficiaryId))?.amountOnHold, 300n);
    assert.equal((await c.draftDeal(deal.dealId)).status, 'DRAFT');
    assert.deepEqual(await c.getBalance(buyer.beneficiaryId), {
      beneficiaryId: buyer.beneficiaryId,
      amount: 300n,
      amountOnHold: 0n,
    });
    await c.deleteDeal(deal.dealId);
    await assert.rejects(
      c.getDeal(deal.dealId),
      (err: unknown) => err instanceof BankError && err.status === 404,
    );
  });

  it('a cancelled deal is cancelled, and cancelling again answers it', async () => {
    const c = bank.client;
    const deal = await c.createDeal(NOMINAL, key());
    assert.equal((await c.cancelDeal(deal.dealId)).status, 'CANCELLED');
    assert.equal((await c.cancelDeal(deal.dealId)).status, 'CANCELLED');
    await assert.rejects(c.acceptDeal(deal.dealId), { name: 'BankError', status: 409 });
  });

  it('a REGULAR payout outside any deal leaves the virtual account and succeeds', async () => {
    const c = bank.client;
    const b = await funded(150n);
    await c.createBankDetails(
      b.beneficiaryId,
      { type: 'PAYMENT_DETAILS', accountNumber: ACCOUNT, bik: BIK },
      key(),
    );
    const k = key();
    const p = await c.createPayment(
      { beneficiaryId: b.beneficiaryId, amount: 120n, purpose: 'Withdrawal' },
      k,
    );
    assert.deepEqual(
      await c.createPayment({ beneficiaryId: b.beneficiaryId, amount: 120n, purpose: 'Withdrawal' }, k),
      p,
    );
    assert.equal((await c.getBalance(b.beneficiaryId))?.amount, 30n);
    await bank.tick();
    await bank.tick();
    const paid = await c.getPayment(p.paymentId);
    assert.deepEqual([paid.type, paid.status, paid.amount], ['REGULAR', 'SUCCEEDED', 120n]);
    await assert.rejects(
      c.createPayment({ beneficiaryId: b.beneficiaryId, amount: 31n, purpose: 'Too much' }, key()),
      (err: unknown) =>
        err instanceof BankError && err.status === 422 && err.errorCode === 'INSUFFICIENT_FUNDS',
    );
  });
});
