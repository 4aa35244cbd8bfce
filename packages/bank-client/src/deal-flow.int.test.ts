import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ACCOUNT,
  BIK,
  CARD,
  COMPANY_INN,
  NOMINAL,
  PERSON_INN,
} from '../../../services/bank-sandbox/src/test-support.ts';
import { BankError } from './errors.ts';
import { type Bank, retries, startBank } from './test-support.ts';

/** Each create's key; deals derives it from the event that caused the call, a test makes one up. */
const key = () => randomUUID();

let bank: Bank;
before(async () => {
  bank = await startBank();
});
after(async () => {
  await bank.close();
});

/** Money arrives from outside: the sandbox's own control, as the payer's bank would send it. */
async function incoming(rubles: string): Promise<string> {
  const r = await bank.h.call('POST', '/_sim/incoming', `{"amount":${rubles},"purpose":"Deal 1"}`);
  assert.equal(r.status, 201, r.text);
  return r.json.operationId as string;
}

describe('a safe deal through the bank client, against the real sandbox', () => {
  it('beneficiary → scoring → bank details → incoming → identify → deal → step → deponent → recipients → accept → complete → payment SUCCEEDED', async () => {
    const c = bank.client;
    const person = { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Ivan', lastName: 'Petrov' } as const;
    const buyer = await c.createBeneficiary(person, key());
    const seller = await c.createBeneficiary({ ...person, firstName: 'Anna' }, key());
    const agency = await c.createBeneficiary(
      { type: 'UL_RESIDENT', inn: COMPANY_INN, name: 'OOO Agency' },
      key(),
    );
    assert.equal((await c.getBeneficiary(seller.beneficiaryId)).firstName, 'Anna');

    assert.equal((await c.getScoring(buyer.beneficiaryId))?.status, 'IN_PROGRESS');
    await bank.tick();
    for (const b of [buyer, seller, agency])
      assert.equal((await c.getScoring(b.beneficiaryId))?.status, 'SUCCEEDED');

    const account = await c.createBankDetails(
      seller.beneficiaryId,
      { type: 'PAYMENT_DETAILS', accountNumber: ACCOUNT, bik: BIK },
      key(),
    );
    const card = await c.createBankDetails(seller.beneficiaryId, { type: 'CARD', cardNumber: CARD }, key());
    assert.deepEqual([account.isDefault, card.isDefault], [true, false]);
    assert.equal((await c.setDefaultBankDetails(seller.beneficiaryId, card.bankDetailsId)).isDefault, true);
    const listed = await c.listBankDetails(seller.beneficiaryId);
    assert.deepEqual(
      listed.map((d) => [d.bankDetailsId, d.isDefault]).sort(),
      [
        [account.bankDetailsId, false],
        [card.bankDetailsId, true],
      ].sort(),
    );

    const operationId = await incoming('100.29');
    const pending = await c.listUnidentifiedIncoming({ limit: 10 });
    assert.deepEqual(
      pending.map((p) => [p.operationId, p.amount, p.identified]),
      [[operationId, 10029n, false]],
    );
    const identified = await c.identifyIncoming(
      operationId,
      [{ beneficiaryId: buyer.beneficiaryId, amount: 10029n }],
      key(),
    );
    assert.deepEqual(identified.amountDistribution, [{ beneficiaryId: buyer.beneficiaryId, amount: 10029n }]);
    assert.deepEqual(await c.listUnidentifiedIncoming(), []);
    assert.deepEqual(await c.getBalance(buyer.beneficiaryId), {
      beneficiaryId: buyer.beneficiaryId,
      amount: 10029n,
      amountOnHold: 0n,
    });

    const deal = await c.createDeal(NOMINAL, key());
    assert.equal(deal.status, 'DRAFT');
    const step = await c.createStep(deal.dealId, 'Payment for the flat', key());
    assert.equal(step.status, 'NEW');
    assert.equal(
      (await c.updateStep(deal.dealId, step.stepId, 'Payment for flat 12')).description,
      'Payment for flat 12',
    );
    const withDeponent = await c.putDeponent(deal.dealId, step.stepId, buyer.beneficiaryId, 10029n);
    assert.deepEqual(withDeponent.deponents, [{ beneficiaryId: buyer.beneficiaryId, amount: 10029n }]);
    const paid = await c.addRecipient(
      deal.dealId,
      step.stepId,
      {
        beneficiaryId: seller.beneficiaryId,
        amount: 10000n,
        purpose: 'Flat 12',
        bankDetailsId: account.bankDetailsId,
      },
      key(),
    );
    assert.equal(paid.amount, 10000n);
    await c.addRecipient(
      deal.dealId,
      step.stepId,
      { beneficiaryId: agency.beneficiaryId, amount: 29n, purpose: 'Fee', keepOnVirtualAccount: true },
      key(),
    );

    assert.deepEqual(await c.checkDeal(deal.dealId), { isValid: true, reasons: [] });
    assert.equal((await c.acceptDeal(deal.dealId)).status, 'ACCEPTED');
    assert.deepEqual(await c.getBalance(buyer.beneficiaryId), {
      beneficiaryId: buyer.beneficiaryId,
      amount: 0n,
      amountOnHold: 10029n,
    });

    assert.equal((await c.completeStep(deal.dealId, step.stepId)).status, 'PAYMENT_IN_PROGRESS');
    await bank.tick();
    await bank.tick();
    const payments = await c.listStepPayments(deal.dealId, step.stepId);
    const toSeller = payments.find((p) => p.beneficiaryId === seller.beneficiaryId);
    assert.ok(toSeller);
    const payment = await c.getPayment(toSeller.paymentId);
    assert.equal(payment.status, 'SUCCEEDED');
    assert.equal(payment.amount, 10000n);
    assert.equal(payment.bankDetailsId, account.bankDetailsId);
    const done = await c.getDeal(deal.dealId);
    assert.deepEqual([done.status, done.steps[0]?.status], ['COMPLETED', 'COMPLETED']);
    assert.equal((await c.getBalance(agency.beneficiaryId))?.amount, 29n);
    assert.equal((await c.getBalance(buyer.beneficiaryId))?.amountOnHold, 0n);
    assert.deepEqual(retries(bank.events), []);
  });

  it('a FAILED payout is retried to other bank details under its own key', async () => {
    const c = bank.client;
    const seller = await c.createBeneficiary(
      { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Oleg' },
      key(),
    );
    const buyer = await c.createBeneficiary(
      { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Pavel' },
      key(),
    );
    await bank.tick();
    const account = await c.createBankDetails(
      seller.beneficiaryId,
      { type: 'PAYMENT_DETAILS', accountNumber: ACCOUNT, bik: BIK },
      key(),
    );
    const card = await c.createBankDetails(seller.beneficiaryId, { type: 'CARD', cardNumber: CARD }, key());
    await c.identifyIncoming(
      await incoming('5'),
      [{ beneficiaryId: buyer.beneficiaryId, amount: 500n }],
      key(),
    );
    const deal = await c.createDeal(NOMINAL, key());
    const step = await c.createStep(deal.dealId, 'Deposit', key());
    await c.putDeponent(deal.dealId, step.stepId, buyer.beneficiaryId, 500n);
    await c.addRecipient(
      deal.dealId,
      step.stepId,
      { beneficiaryId: seller.beneficiaryId, amount: 500n, purpose: 'Deposit' },
      key(),
    );
    await c.acceptDeal(deal.dealId);
    const faults = await bank.h.call('PUT', '/_sim/faults', { failingDetails: [ACCOUNT] });
    assert.equal(faults.status, 200, faults.text);
    await c.completeStep(deal.dealId, step.stepId);
    await bank.tick();
    await bank.tick();
    const [failed] = await c.listStepPayments(deal.dealId, step.stepId);
    assert.equal(failed?.status, 'FAILED');
    assert.equal(failed.bankDetailsId, account.bankDetailsId);
    assert.equal((await c.getDeal(deal.dealId)).steps[0]?.status, 'PAYMENT_FAILED');

    const retryKey = key();
    const retried = await c.retryPayment(failed.paymentId, { bankDetailsId: card.bankDetailsId }, retryKey);
    assert.deepEqual(
      await c.retryPayment(failed.paymentId, { bankDetailsId: card.bankDetailsId }, retryKey),
      retried,
    );
    await bank.tick();
    await bank.tick();
    const second = await c.getPayment(retried.retryPaymentId);
    assert.deepEqual(
      [second.status, second.retryOf, second.bankDetailsId],
      ['SUCCEEDED', failed.paymentId, card.bankDetailsId],
    );
    assert.equal((await c.getDeal(deal.dealId)).status, 'COMPLETED');
    await bank.h.call('DELETE', '/_sim/faults');
  });

  it("the bank's refusals are BankErrors with its body and status, never retried", async () => {
    const before = retries(bank.events).length;
    await assert.rejects(
      bank.client.createBeneficiary({ type: 'FL_RESIDENT', inn: '500100732250' }, key()),
      (err: unknown) =>
        err instanceof BankError &&
        err.status === 400 &&
        err.errorCode === 'INVALID_INN' &&
        typeof err.errorId === 'string' &&
        err.errorId.length > 0,
    );
    await assert.rejects(
      bank.client.getDeal(randomUUID()),
      (err: unknown) => err instanceof BankError && err.status === 404 && err.errorCode === 'NOT_FOUND',
    );
    await assert.rejects(
      bank.client.createDeal('40702810000000000000', key()),
      (err: unknown) => err instanceof BankError && err.status === 404,
    );
    assert.equal(await bank.client.getBalance(randomUUID()), undefined);
    assert.equal(retries(bank.events).length, before);
  });

  it('a create without a UUID Idempotency-Key, or a zero amount, is refused before any call', async () => {
    await assert.rejects(bank.client.createDeal(NOMINAL, ''), TypeError);
    await assert.rejects(bank.client.createDeal(NOMINAL, 'deal-1'), TypeError);
    await assert.rejects(bank.client.putDeponent(randomUUID(), randomUUID(), randomUUID(), 0n), RangeError);
  });

  it('a wrong token is a 401 BankError', async () => {
    const wrong = bank.clientWith({ token: 'not-the-token' });
    await assert.rejects(
      wrong.getDeal(randomUUID()),
      (err: unknown) =>
        err instanceof BankError && err.status === 401 && !err.message.includes('not-the-token'),
    );
  });
});
