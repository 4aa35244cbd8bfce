import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ACCOUNT,
  API,
  BIK,
  CARD,
  type Harness,
  scoredBeneficiary,
  startSandbox,
} from '../../test-support.ts';

let h: Harness;
let ben: string;
before(async () => {
  h = await startSandbox();
  ben = await scoredBeneficiary(h);
});
after(async () => {
  await h.close();
});

const details = () => `${API}/beneficiaries/${ben}/bank-details`;
const list = async () =>
  (await h.call('GET', details())).json.results as Array<{ bankDetailsId: string; isDefault: boolean }>;

describe('bank details', () => {
  it('makes the first details the default, moves it with set-default, and hands it on when the default is deleted', async () => {
    const account = await h.create(details(), {
      type: 'PAYMENT_DETAILS',
      accountNumber: ACCOUNT,
      bik: BIK,
      bankName: 'T-Bank',
    });
    assert.equal(account.status, 201, account.text);
    assert.equal(account.json.isDefault, true);
    const card = await h.create(details(), { type: 'CARD', cardNumber: CARD });
    assert.equal(card.status, 201, card.text);
    assert.equal(card.json.isDefault, false);
    assert.equal(card.json.cardNumberMask, '411111******1111');
    assert.equal(card.json.cardNumber, undefined, 'the full card number is never shown');

    const set = await h.call('POST', `${details()}/${card.json.bankDetailsId}/set-default`);
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.isDefault, true);
    assert.deepEqual(
      (await list()).map((d) => [d.bankDetailsId, d.isDefault]),
      [
        [account.json.bankDetailsId, false],
        [card.json.bankDetailsId, true],
      ],
    );
    const del = await h.call('DELETE', `${details()}/${card.json.bankDetailsId}`);
    assert.equal(del.status, 204);
    assert.deepEqual(
      (await list()).map((d) => [d.bankDetailsId, d.isDefault]),
      [[account.json.bankDetailsId, true]],
    );
    assert.equal((await h.call('DELETE', `${details()}/${card.json.bankDetailsId}`)).status, 404);
  });

  it('refuses an account whose control key does not match the BIK, and a card that fails Luhn', async () => {
    const wrongKey = await h.create(details(), {
      type: 'PAYMENT_DETAILS',
      accountNumber: '40817810100000000001',
      bik: BIK,
    });
    assert.equal(wrongKey.status, 400);
    assert.equal(wrongKey.json.errorCode, 'INVALID_BANK_DETAILS');
    const wrongCard = await h.create(details(), { type: 'CARD', cardNumber: '4111111111111112' });
    assert.equal(wrongCard.status, 400);
    assert.equal(wrongCard.json.errorCode, 'INVALID_CARD');
    const mixed = await h.create(details(), { type: 'CARD', accountNumber: ACCOUNT, bik: BIK });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.json.errorCode, 'VALIDATION_ERROR');
  });

  it('answers 404 for an unknown beneficiary', async () => {
    const res = await h.create(`${API}/beneficiaries/0190f5f0-0000-7000-8000-000000000000/bank-details`, {
      type: 'CARD',
      cardNumber: CARD,
    });
    assert.equal(res.status, 404);
  });
});
