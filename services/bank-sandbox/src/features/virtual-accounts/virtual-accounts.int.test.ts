import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRubles } from '@strongbox/kernel';
import { seededRandom } from '../../domain/random.ts';
import {
  API,
  fund,
  type Harness,
  NOMINAL,
  PAYMENT_STEP_MS,
  scoredBeneficiary,
  startSandbox,
} from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startSandbox();
});
after(async () => {
  await h.close();
});

const TRANSFERS = `${API}/virtual-accounts/transfers`;
const HOLDS = `${API}/virtual-accounts/holds`;
const transfer = (from: string, to: string, rubles: string, key?: string) =>
  h.create(
    TRANSFERS,
    `{"accountNumber":"${NOMINAL}","from":{"beneficiaryId":"${from}"},"to":{"beneficiaryId":"${to}"},"amount":${rubles},"purpose":"Share"}`,
    key,
  );
/** Both figures in kopecks, read from the database (the API writes rubles). */
const figures = async (id: string) => {
  const { rows } = await h.pool.query<{ amount: string; amount_on_hold: string }>(
    'select amount::text, amount_on_hold::text from balances where beneficiary_id = $1',
    [id],
  );
  return { amount: BigInt(rows[0]?.amount ?? -1), onHold: BigInt(rows[0]?.amount_on_hold ?? -1) };
};
const totalKopecks = async () =>
  BigInt(
    (await h.pool.query<{ s: string }>('select (sum(amount) + sum(amount_on_hold))::text as s from balances'))
      .rows[0]?.s ?? '0',
  );

/** An accepted deal of one step in which `deponent` puts `rubles` on hold for `recipient`. */
async function acceptedDeal(deponent: string, recipient: string, rubles: string) {
  const dealId = (await h.create(`${API}/deals`, { accountNumber: NOMINAL })).json.dealId as string;
  const stepId = (await h.create(`${API}/deals/${dealId}/steps`, { description: 'The flat' })).json
    .stepId as string;
  const steps = `${API}/deals/${dealId}/steps/${stepId}`;
  assert.equal((await h.call('PUT', `${steps}/deponents/${deponent}`, `{"amount":${rubles}}`)).status, 200);
  const r = await h.create(
    `${steps}/recipients`,
    `{"beneficiaryId":"${recipient}","amount":${rubles},"purpose":"Flat","keepOnVirtualAccount":true}`,
  );
  assert.equal(r.status, 201, r.text);
  const accepted = await h.call('POST', `${API}/deals/${dealId}/accept`);
  assert.equal(accepted.status, 200, accepted.text);
  return { dealId, stepId };
}

describe('transfers between virtual accounts', () => {
  it('move free money once per Idempotency-Key, and are read back', async () => {
    const a = await scoredBeneficiary(h);
    const b = await scoredBeneficiary(h);
    await fund(h, a, '100');
    const key = crypto.randomUUID();
    const first = await transfer(a, b, '30.25', key);
    assert.equal(first.status, 201, first.text);
    assert.match(first.text, /"amount":30\.25/);
    assert.equal(first.json.type, 'DIRECT');
    const again = await transfer(a, b, '30.25', key);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.text, first.text);
    assert.equal((await transfer(a, b, '1', key)).json.errorCode, 'IDEMPOTENCY_KEY_REUSED');
    assert.deepEqual(await figures(a), { amount: 6975n, onHold: 0n });
    assert.deepEqual(await figures(b), { amount: 3025n, onHold: 0n });
    const got = await h.call('GET', `${TRANSFERS}/${first.json.transferId}`);
    assert.equal(got.text, first.text);
    const listed = await h.call('GET', `${TRANSFERS}?beneficiaryId=${b}`);
    assert.deepEqual(
      listed.json.results.map((t: { transferId: string }) => t.transferId),
      [first.json.transferId],
    );
    assert.equal((await h.call('GET', `${TRANSFERS}/${crypto.randomUUID()}`)).status, 404);
  });

  it('refuse more than the free money, the same account, an unknown beneficiary or another nominal account', async () => {
    const a = await scoredBeneficiary(h);
    const b = await scoredBeneficiary(h);
    await fund(h, a, '10');
    await acceptedDeal(a, b, '8');
    const tooMuch = await transfer(a, b, '5');
    assert.equal(tooMuch.status, 422);
    assert.equal(tooMuch.json.errorCode, 'INSUFFICIENT_FUNDS', 'money on hold does not move');
    assert.equal((await transfer(a, a, '1')).status, 400);
    assert.equal((await transfer(a, crypto.randomUUID(), '1')).status, 404);
    assert.equal((await transfer(a, b, '-1')).status, 400);
    const other = await h.create(
      TRANSFERS,
      `{"accountNumber":"40702810000000000000","from":{"beneficiaryId":"${a}"},"to":{"beneficiaryId":"${b}"},"amount":1}`,
    );
    assert.equal(other.status, 404);
    assert.deepEqual(await figures(a), { amount: 200n, onHold: 800n });
    assert.equal((await transfer(a, b, '2')).status, 201, 'the free part moves');
    assert.deepEqual(await figures(a), { amount: 0n, onHold: 800n });
  });

  it('run concurrently without overdrawing: of ten transfers of 3 from 10, three go through', async () => {
    const a = await scoredBeneficiary(h);
    const b = await scoredBeneficiary(h);
    const c = await scoredBeneficiary(h);
    await fund(h, a, '10');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => transfer(a, i % 2 ? b : c, '3')));
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 3, statuses.join());
    assert.ok(statuses.every((s) => s === 201 || s === 422));
    assert.deepEqual(await figures(a), { amount: 100n, onHold: 0n });
  });

  it('run a concurrent duplicate under one key once', async () => {
    const a = await scoredBeneficiary(h);
    const b = await scoredBeneficiary(h);
    await fund(h, a, '10');
    const key = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 4 }, () => transfer(a, b, '1', key)));
    // Each answer is the first one (201, replayed or not) or 409 while the first is still running.
    for (const r of answers)
      assert.ok(r.status === 201 || r.json.errorCode === 'IDEMPOTENCY_IN_PROGRESS', r.text);
    assert.equal(answers.filter((r) => r.status === 201 && !r.headers['idempotent-replayed']).length, 1);
    assert.deepEqual(await figures(a), { amount: 900n, onHold: 0n });
    const { rows } = await h.pool.query<{ n: number }>(
      'select count(*)::int as n from virtual_transfers where from_beneficiary_id = $1',
      [a],
    );
    assert.equal(rows[0]?.n, 1);
  });

  it('keep the money whole: a seeded run of transfers conserves the total and never goes negative', async () => {
    const ids = [await scoredBeneficiary(h), await scoredBeneficiary(h), await scoredBeneficiary(h)];
    for (const id of ids) await fund(h, id, '5');
    const before = await totalKopecks();
    const random = seededRandom(7);
    for (let i = 0; i < 30; i++) {
      const from = ids[Math.floor(random() * 3)] as string;
      const to = ids[Math.floor(random() * 3)] as string;
      const kopecks = BigInt(1 + Math.floor(random() * 400));
      const res = await transfer(from, to, formatRubles(kopecks));
      assert.ok([201, 400, 422].includes(res.status), res.text);
    }
    assert.equal(await totalKopecks(), before);
    for (const id of ids) assert.ok((await figures(id)).amount >= 0n);
  });
});

describe('holds', () => {
  it('are the accepted deals’ deponent amounts, add up to amountOnHold, and go when the step pays out', async () => {
    const buyer = await scoredBeneficiary(h);
    const seller = await scoredBeneficiary(h);
    await fund(h, buyer, '50');
    const first = await acceptedDeal(buyer, seller, '20');
    const second = await acceptedDeal(buyer, seller, '5.5');
    const holds = async () => (await h.call('GET', `${HOLDS}?beneficiaryId=${buyer}`)).json.results;
    const listed = await holds();
    assert.deepEqual(
      listed.map((x: { dealId: string; amount: number }) => [x.dealId, x.amount]).sort(),
      [
        [first.dealId, 20],
        [second.dealId, 5.5],
      ].sort(),
    );
    assert.deepEqual(await figures(buyer), { amount: 2450n, onHold: 2550n });

    assert.equal((await h.call('POST', `${API}/deals/${second.dealId}/cancel`)).status, 200);
    assert.equal((await holds()).length, 1, 'a cancelled deal holds nothing');
    const done = await h.create(`${API}/deals/${first.dealId}/steps/${first.stepId}/complete`);
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(await holds(), [], 'a completed step holds nothing');
    for (let i = 0; i < 2; i++) {
      h.sim.clock.advance(PAYMENT_STEP_MS);
      await h.tick();
    }
    assert.deepEqual(await figures(buyer), { amount: 3000n, onHold: 0n });
    assert.deepEqual(await figures(seller), { amount: 2000n, onHold: 0n });
    assert.equal((await h.call('GET', `${HOLDS}?accountNumber=40702810000000000000`)).status, 404);
  });
});
