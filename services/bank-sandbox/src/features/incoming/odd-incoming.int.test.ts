import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API, type Harness, scoredBeneficiary, startSandbox } from '../../test-support.ts';

let h: Harness;
let ben: string;
before(async () => {
  h = await startSandbox();
  ben = await scoredBeneficiary(h);
});
after(async () => {
  await h.close();
});

const PURPOSE = 'Deal 0042: deposit';
const send = async (extra = '') => {
  const res = await h.call('POST', '/_sim/incoming', `{"amount":1000.00,"purpose":"${PURPOSE}"${extra}}`);
  assert.equal(res.status, 201, res.text);
  return res.json;
};
const unidentified = async () => (await h.call('GET', `${API}/incoming-transactions?limit=100`)).json.results;
const identify = (operationId: string, rubles: string) =>
  h.create(
    `${API}/incoming-transactions/${operationId}/identify`,
    `{"amountDistribution":[{"beneficiaryId":"${ben}","amount":${rubles}}]}`,
  );

describe('odd incoming payments', () => {
  it('a wrong amount arrives unidentified, and identify with the expected amount is refused', async () => {
    const got = await send(',"oddity":"wrongAmount"');
    assert.notEqual(got.amount, 1000);
    assert.ok(got.amount > 0);
    assert.equal(got.purpose, PURPOSE);
    assert.ok((await unidentified()).some((t: { operationId: string }) => t.operationId === got.operationId));
    const refused = await identify(got.operationId, '1000.00');
    assert.equal(refused.status, 422);
    assert.equal(refused.json.errorCode, 'UNPROCESSABLE');
    const still = (await unidentified()).find(
      (t: { operationId: string }) => t.operationId === got.operationId,
    );
    assert.equal(still?.amount, got.amount, 'it stays in the unidentified list as it arrived');
    assert.equal((await identify(got.operationId, String(got.amount))).status, 200);
    assert.ok(
      !(await unidentified()).some((t: { operationId: string }) => t.operationId === got.operationId),
    );
  });

  it('an unknown purpose arrives unidentified with the amount as sent', async () => {
    const got = await send(',"oddity":"unknownPurpose"');
    assert.equal(got.amount, 1000);
    assert.notEqual(got.purpose, PURPOSE);
    assert.match(got.purpose, /^Payment \d{6}$/);
    const listed = (await unidentified()).find(
      (t: { operationId: string }) => t.operationId === got.operationId,
    );
    assert.equal(listed?.purpose, got.purpose);
    assert.equal(listed?.identified, false);
  });

  it('fault switches make the next payments odd, the same way from the same seed', async () => {
    const run = async () => {
      await h.call('PUT', '/_sim/faults', { seed: 3, wrongIncomingAmount: 1, unknownIncomingPurpose: 2 });
      return [await send(), await send(), await send()].map((t) => [t.amount, t.purpose]);
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    const [odd, purposeOnly, plain] = first as [[number, string], [number, string], [number, string]];
    assert.notEqual(odd[0], 1000);
    assert.notEqual(odd[1], PURPOSE);
    assert.deepEqual([purposeOnly[0], purposeOnly[1] === PURPOSE], [1000, false]);
    assert.deepEqual(plain, [1000, PURPOSE]);
    await h.call('DELETE', '/_sim/faults');
  });
});
