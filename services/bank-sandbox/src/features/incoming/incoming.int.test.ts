import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API, COMPANY_INN, type Harness, scoredBeneficiary, startSandbox } from '../../test-support.ts';

let h: Harness;
let a: string;
let b: string;
before(async () => {
  h = await startSandbox();
  a = await scoredBeneficiary(h);
  b = await scoredBeneficiary(h, { type: 'UL_RESIDENT', inn: COMPANY_INN, name: 'OOO Romashka' });
});
after(async () => {
  await h.close();
});

const incoming = async (rubles: string) => {
  const res = await h.call(
    'POST',
    '/_sim/incoming',
    `{"amount":${rubles},"purpose":"deposit","payerInn":"${COMPANY_INN}"}`,
  );
  assert.equal(res.status, 201, res.text);
  return res;
};
const balanceText = async (id: string) => (await h.call('GET', `${API}/balances?beneficiaryId=${id}`)).text;

describe('incoming transactions', () => {
  it('lists money from outside as unidentified, with its amount written exactly', async () => {
    const res = await incoming('9007199254740.99');
    assert.match(res.text, /"amount":9007199254740\.99[,}]/);
    const list = await h.call('GET', `${API}/incoming-transactions`);
    assert.ok(list.text.includes('"amount":9007199254740.99'), list.text);
    assert.equal(list.json.results[0].payerInn, COMPANY_INN);
  });

  it('identify splits a payment onto virtual accounts to the kopeck, without floats', async () => {
    const id = (await incoming('0.3')).json.operationId;
    const res = await h.create(
      `${API}/incoming-transactions/${id}/identify`,
      `{"amountDistribution":[{"beneficiaryId":"${a}","amount":0.1},{"beneficiaryId":"${b}","amount":0.2}]}`,
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(
      await balanceText(a),
      `{"results":[{"beneficiaryId":"${a}","amount":0.1,"amountOnHold":0}]}`,
    );
    assert.equal(
      await balanceText(b),
      `{"results":[{"beneficiaryId":"${b}","amount":0.2,"amountOnHold":0}]}`,
    );
    const list = await h.call('GET', `${API}/incoming-transactions`);
    assert.ok(
      !list.json.results.some((t: { operationId: string }) => t.operationId === id),
      'no longer unidentified',
    );
    const twice = await h.create(
      `${API}/incoming-transactions/${id}/identify`,
      `{"amountDistribution":[{"beneficiaryId":"${a}","amount":0.3}]}`,
    );
    assert.equal(twice.status, 409);
  });

  it('refuses shares that do not add up, amounts with 3 decimals, negatives, exponents and strings', async () => {
    const id = (await incoming('0.29')).json.operationId;
    const identify = (amount: string) =>
      h.create(
        `${API}/incoming-transactions/${id}/identify`,
        `{"amountDistribution":[{"beneficiaryId":"${a}","amount":${amount}}]}`,
      );
    const short = await identify('0.28');
    assert.equal(short.status, 422);
    assert.equal(short.json.errorCode, 'UNPROCESSABLE');
    for (const bad of ['0.291', '-0.29', '2.9e-1', '"0.29"', '0']) {
      const res = await identify(bad);
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
      assert.equal(res.json.errorCode, 'VALIDATION_ERROR');
    }
    const exact = await identify('0.29');
    assert.equal(exact.status, 200, exact.text);
    assert.match(exact.text, /"amount":0\.29/);
  });
});
