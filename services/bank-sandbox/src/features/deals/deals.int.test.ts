import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ACCOUNT,
  API,
  BIK,
  COMPANY_INN,
  fund,
  type Harness,
  NOMINAL,
  PAYMENT_STEP_MS,
  scoredBeneficiary,
  startSandbox,
} from '../../test-support.ts';

let h: Harness;
let buyer: string;
let seller: string;
let agency: string;
let sellerDetails: string;
before(async () => {
  h = await startSandbox();
  buyer = await scoredBeneficiary(h);
  seller = await scoredBeneficiary(h);
  agency = await scoredBeneficiary(h, { type: 'UL_RESIDENT', inn: COMPANY_INN, name: 'OOO Agency' });
  sellerDetails = (
    await h.create(`${API}/beneficiaries/${seller}/bank-details`, {
      type: 'PAYMENT_DETAILS',
      accountNumber: ACCOUNT,
      bik: BIK,
    })
  ).json.bankDetailsId;
});
after(async () => {
  await h.close();
});

const DEALS = `${API}/deals`;
const balance = async (id: string) =>
  (await h.call('GET', `${API}/balances?beneficiaryId=${id}`)).json.results[0];

/** A draft deal of one step: the buyer puts in `rubles`, the seller gets all but 1.5 for the agency. */
async function draftDeal(rubles = '100.5') {
  const deal = await h.create(DEALS, { accountNumber: NOMINAL });
  assert.equal(deal.status, 201, deal.text);
  const dealId = deal.json.dealId as string;
  const step = await h.create(`${DEALS}/${dealId}/steps`, { description: 'Payment for the flat' });
  assert.equal(step.status, 201, step.text);
  const stepId = step.json.stepId as string;
  const dep = await h.call(
    'PUT',
    `${DEALS}/${dealId}/steps/${stepId}/deponents/${buyer}`,
    `{"amount":${rubles}}`,
  );
  assert.equal(dep.status, 200, dep.text);
  const sellerShare = (Number(rubles) * 100 - 150) / 100;
  const r1 = await h.create(
    `${DEALS}/${dealId}/steps/${stepId}/recipients`,
    `{"beneficiaryId":"${seller}","amount":${sellerShare},"purpose":"Flat","bankDetailsId":"${sellerDetails}"}`,
  );
  assert.equal(r1.status, 201, r1.text);
  const r2 = await h.create(
    `${DEALS}/${dealId}/steps/${stepId}/recipients`,
    `{"beneficiaryId":"${agency}","amount":1.5,"purpose":"Fee","keepOnVirtualAccount":true}`,
  );
  assert.equal(r2.status, 201, r2.text);
  return { dealId, stepId };
}

async function runPayments() {
  for (let i = 0; i < 2; i++) {
    h.sim.clock.advance(PAYMENT_STEP_MS);
    await h.tick();
  }
}

describe('a deal', () => {
  it('starts as DRAFT in the nominal account only, is read back, and a DRAFT can be deleted', async () => {
    const wrong = await h.create(DEALS, { accountNumber: '40702810000000000000' });
    assert.equal(wrong.status, 404);
    const deal = await h.create(DEALS, { accountNumber: NOMINAL });
    assert.equal(deal.json.status, 'DRAFT');
    const got = await h.call('GET', `${DEALS}/${deal.json.dealId}`);
    assert.deepEqual(got.json, deal.json);
    assert.equal((await h.call('DELETE', `${DEALS}/${deal.json.dealId}`)).status, 204);
    assert.equal((await h.call('GET', `${DEALS}/${deal.json.dealId}`)).status, 404);
  });

  it('is-valid says why it cannot be accepted: money missing, then a beneficiary not scored', async () => {
    const { dealId } = await draftDeal();
    const invalid = await h.call('GET', `${DEALS}/${dealId}/is-valid`);
    assert.equal(invalid.json.isValid, false);
    assert.deepEqual(
      invalid.json.reasons.map((r: { code: string }) => r.code),
      ['INSUFFICIENT_FUNDS'],
    );
    const accept = await h.call('POST', `${DEALS}/${dealId}/accept`);
    assert.equal(accept.status, 422);
    await h.call('POST', `/_sim/beneficiaries/${agency}/scoring`, { status: 'FAILED' });
    const unscored = await h.call('GET', `${DEALS}/${dealId}/is-valid`);
    assert.ok(
      unscored.json.reasons.some(
        (r: { code: string; details: { beneficiaryId: string } }) =>
          r.code === 'BENEFICIARY_NOT_SCORED' && r.details.beneficiaryId === agency,
      ),
    );
    await h.call('POST', `/_sim/beneficiaries/${agency}/scoring`, { status: 'SUCCEEDED' });
  });

  it('accepting holds the money, cancelling releases it, and a cancelled deal is no longer edited', async () => {
    await fund(h, buyer, '100.5');
    const { dealId, stepId } = await draftDeal();
    assert.deepEqual((await h.call('GET', `${DEALS}/${dealId}/is-valid`)).json, {
      isValid: true,
      reasons: [],
    });
    const accepted = await h.call('POST', `${DEALS}/${dealId}/accept`);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.json.status, 'ACCEPTED');
    assert.match(
      (await h.call('GET', `${API}/balances?beneficiaryId=${buyer}`)).text,
      /"amount":0,"amountOnHold":100\.5/,
    );
    const edit = await h.call('PUT', `${DEALS}/${dealId}/steps/${stepId}/deponents/${buyer}`, '{"amount":1}');
    assert.equal(edit.status, 409, 'editing only in DRAFT');
    const cancelled = await h.call('POST', `${DEALS}/${dealId}/cancel`);
    assert.equal(cancelled.json.status, 'CANCELLED');
    assert.equal(cancelled.json.steps[0].status, 'CANCELLED');
    assert.match(
      (await h.call('GET', `${API}/balances?beneficiaryId=${buyer}`)).text,
      /"amount":100\.5,"amountOnHold":0/,
    );
    assert.equal((await h.call('DELETE', `${DEALS}/${dealId}`)).status, 409);
  });

  it('back to draft releases the holds for editing', async () => {
    const { dealId } = await draftDeal();
    assert.equal((await h.call('POST', `${DEALS}/${dealId}/accept`)).status, 200);
    const draft = await h.call('POST', `${DEALS}/${dealId}/draft`);
    assert.equal(draft.json.status, 'DRAFT');
    assert.deepEqual(await balance(buyer), { beneficiaryId: buyer, amount: 100.5, amountOnHold: 0 });
    await h.call('DELETE', `${DEALS}/${dealId}`);
  });

  it('completing a step pays its recipients through PENDING, IN_PROGRESS and SUCCEEDED, and the deal completes', async () => {
    const { dealId, stepId } = await draftDeal();
    await h.call('POST', `${DEALS}/${dealId}/accept`);
    const complete = await h.call('POST', `${DEALS}/${dealId}/steps/${stepId}/complete`);
    assert.equal(complete.status, 200, complete.text);
    assert.equal(complete.json.status, 'PAYMENT_IN_PROGRESS');
    assert.equal(
      (await h.call('POST', `${DEALS}/${dealId}/cancel`)).status,
      409,
      'no cancel after a payout attempt',
    );
    const payments = async () =>
      (await h.call('GET', `${DEALS}/${dealId}/steps/${stepId}/payments`)).json.results as Array<{
        status: string;
        paymentId: string;
      }>;
    assert.deepEqual(
      (await payments()).map((p) => p.status),
      ['PENDING', 'PENDING'],
    );
    h.sim.clock.advance(PAYMENT_STEP_MS);
    await h.tick();
    assert.deepEqual(
      (await payments()).map((p) => p.status),
      ['IN_PROGRESS', 'IN_PROGRESS'],
    );
    h.sim.clock.advance(PAYMENT_STEP_MS);
    await h.tick();
    assert.deepEqual(
      (await payments()).map((p) => p.status),
      ['SUCCEEDED', 'SUCCEEDED'],
    );
    const deal = (await h.call('GET', `${DEALS}/${dealId}`)).json;
    assert.equal(deal.status, 'COMPLETED');
    assert.equal(deal.steps[0].status, 'COMPLETED');
    assert.deepEqual(await balance(buyer), { beneficiaryId: buyer, amount: 0, amountOnHold: 0 });
    assert.deepEqual(await balance(agency), { beneficiaryId: agency, amount: 1.5, amountOnHold: 0 });
  });

  it('a payout to failing details fails the step; after the details change a retry pays it', async () => {
    await fund(h, buyer, '10');
    const { dealId, stepId } = await draftDeal('10');
    await h.call('POST', `${DEALS}/${dealId}/accept`);
    await h.call('PUT', '/_sim/faults', { failingDetails: [ACCOUNT] });
    await h.call('POST', `${DEALS}/${dealId}/steps/${stepId}/complete`);
    await runPayments();
    const failed = (await h.call('GET', `${DEALS}/${dealId}/steps/${stepId}/payments`)).json.results.find(
      (p: { status: string }) => p.status === 'FAILED',
    );
    assert.equal(failed.failureReason, 'ACCOUNT_CLOSED');
    assert.equal((await h.call('GET', `${DEALS}/${dealId}`)).json.steps[0].status, 'PAYMENT_FAILED');

    const card = await h.create(`${API}/beneficiaries/${seller}/bank-details`, {
      type: 'CARD',
      cardNumber: '5555555555554444',
    });
    await h.call(
      'POST',
      `${API}/beneficiaries/${seller}/bank-details/${card.json.bankDetailsId}/set-default`,
    );
    const retry = await h.create(`${API}/payments/${failed.paymentId}/retry`, {});
    assert.equal(retry.status, 200, retry.text);
    assert.equal((await h.call('GET', `${DEALS}/${dealId}`)).json.steps[0].status, 'PAYMENT_IN_PROGRESS');
    assert.equal(
      (await h.create(`${API}/payments/${failed.paymentId}/retry`, {})).status,
      409,
      'retried once',
    );
    await runPayments();
    const retried = (await h.call('GET', `${API}/payments/${retry.json.retryPaymentId}`)).json;
    assert.equal(retried.status, 'SUCCEEDED');
    assert.equal(retried.bankDetailsId, card.json.bankDetailsId);
    assert.equal((await h.call('GET', `${DEALS}/${dealId}`)).json.status, 'COMPLETED');
    await h.call('DELETE', '/_sim/faults');
    await h.call('POST', `${API}/beneficiaries/${seller}/bank-details/${sellerDetails}/set-default`);
  });
});

describe('payments outside deals', () => {
  it('pays out from a virtual account, refuses more than it holds, and progresses like a deal payment', async () => {
    await fund(h, seller, '0.29');
    const tooMuch = await h.create(
      `${API}/payments`,
      `{"type":"REGULAR","beneficiaryId":"${seller}","amount":0.3,"purpose":"Withdrawal"}`,
    );
    assert.equal(tooMuch.status, 422);
    assert.equal(tooMuch.json.errorCode, 'INSUFFICIENT_FUNDS');
    const pay = await h.create(
      `${API}/payments`,
      `{"type":"REGULAR","beneficiaryId":"${seller}","amount":0.29,"purpose":"Withdrawal"}`,
    );
    assert.equal(pay.status, 201, pay.text);
    assert.match(pay.text, /"amount":0\.29/);
    assert.equal(pay.json.status, 'PENDING');
    assert.equal(pay.json.bankDetailsId, sellerDetails);
    assert.equal((await balance(seller)).amount, 0);
    await runPayments();
    assert.equal((await h.call('GET', `${API}/payments/${pay.json.paymentId}`)).json.status, 'SUCCEEDED');
  });
});
