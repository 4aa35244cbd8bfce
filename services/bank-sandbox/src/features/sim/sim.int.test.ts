import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  API,
  COMPANY_INN,
  type Harness,
  PERSON_INN,
  SCORING_DELAY_MS,
  startSandbox,
} from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startSandbox({ limits: { defaultPerS: 3, selfEmployedPerS: 1 } });
});
after(async () => {
  await h.close();
});

const person = { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Anna', lastName: 'Ivanova' };
const count = async () =>
  (await h.pool.query<{ n: number }>('select count(*)::int as n from beneficiaries')).rows[0]?.n;
/** Each call to the bank API spends a token of its method: a new second starts with a full bucket. */
const nextSecond = () => h.sim.clock.advance(1_000);
const faults = async (body: object) => {
  const res = await h.call('PUT', '/_sim/faults', body);
  assert.equal(res.status, 200, res.text);
  nextSecond();
};

describe('faults', () => {
  it('a 500 before the effect leaves nothing behind', async () => {
    await faults({ errorRate: 1, errorWhen: 'before' });
    const before = await count();
    const res = await h.create(`${API}/beneficiaries`, person);
    assert.equal(res.status, 500);
    assert.equal(res.json.errorCode, 'INTERNAL_ERROR');
    assert.equal(await count(), before);
    await h.call('DELETE', '/_sim/faults');
  });

  it('a 500 after the effect: the retry with the same key gets the first answer, and the effect happened once', async () => {
    await faults({ errorRate: 1, errorWhen: 'after' });
    const before = await count();
    const key = crypto.randomUUID();
    const failed = await h.create(`${API}/beneficiaries`, person, key);
    assert.equal(failed.status, 500);
    await h.call('DELETE', '/_sim/faults');
    const retried = await h.create(`${API}/beneficiaries`, person, key);
    assert.equal(retried.status, 201);
    assert.equal(retried.headers['idempotent-replayed'], 'true');
    assert.equal(await count(), (before ?? 0) + 1);
  });

  it('draws the same failures from the same seed', async () => {
    const run = async () => {
      await faults({ seed: 42, errorRate: 0.5, errorWhen: 'before' });
      const out: number[] = [];
      for (let i = 0; i < 8; i++) {
        nextSecond();
        out.push((await h.create(`${API}/beneficiaries`, person)).status);
      }
      return out;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    assert.ok(first.includes(500) && first.includes(201), first.join());
    await h.call('DELETE', '/_sim/faults');
  });

  it('a 429 burst answers the next calls 429 with Retry-After, then lets calls through', async () => {
    await faults({ burst429: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await h.call('GET', `${API}/balances`);
      assert.equal(res.status, 429);
      assert.equal(res.headers['retry-after'], '1');
      assert.equal(res.json.errorCode, 'TOO_MANY_REQUESTS');
    }
    assert.equal((await h.call('GET', `${API}/balances`)).status, 200);
  });

  it('scoring sticks or fails for a given INN, and a test can set it', async () => {
    await faults({ scoring: { [PERSON_INN]: 'stuck', [COMPANY_INN]: 'failed' } });
    const stuck = (await h.create(`${API}/beneficiaries`, person)).json.beneficiaryId;
    const failed = (
      await h.create(`${API}/beneficiaries`, { type: 'UL_RESIDENT', inn: COMPANY_INN, name: 'OOO' })
    ).json.beneficiaryId;
    h.sim.clock.advance(SCORING_DELAY_MS * 10);
    await h.tick();
    const scoring = async (id: string) =>
      (await h.call('GET', `/api/v2/nominal-accounts/beneficiaries/scoring?beneficiaryId=${id}`)).json
        .results[0];
    assert.equal((await scoring(stuck)).status, 'IN_PROGRESS');
    const f = await scoring(failed);
    assert.equal(f.status, 'FAILED');
    assert.equal(f.errors[0].code, 'SCORING_REJECTED');
    await h.call('POST', `/_sim/beneficiaries/${stuck}/scoring`, { status: 'SUCCEEDED' });
    assert.equal((await scoring(stuck)).status, 'SUCCEEDED');
    await h.call('DELETE', '/_sim/faults');
  });

  it('shows and clears the switches, and refuses unknown ones', async () => {
    await faults({ latencyMs: 0, failingDetails: ['40817810000000000001'] });
    assert.deepEqual((await h.call('GET', '/_sim/faults')).json.failingDetails, ['40817810000000000001']);
    assert.equal((await h.call('PUT', '/_sim/faults', { explode: true })).status, 400);
    assert.deepEqual((await h.call('DELETE', '/_sim/faults')).json.failingDetails, []);
  });
});

describe('the clock', () => {
  it('freezes, advances and unfreezes', async () => {
    const frozen = await h.call('POST', '/_sim/clock', { frozen: true });
    assert.equal(frozen.json.frozen, true);
    h.base.advance(60_000);
    assert.equal(
      (await h.call('GET', '/_sim/clock')).json.now,
      frozen.json.now,
      'a frozen clock stands still',
    );
    const moved = await h.call('POST', '/_sim/clock', { advanceMs: 3_600_000 });
    assert.equal(Date.parse(moved.json.now) - Date.parse(frozen.json.now), 3_600_000);
    const unfrozen = await h.call('POST', '/_sim/clock', { frozen: false });
    assert.equal(unfrozen.json.frozen, false);
    h.base.advance(1_000);
    assert.equal(
      Date.parse((await h.call('GET', '/_sim/clock')).json.now) - Date.parse(moved.json.now),
      1_000,
    );
  });
});

describe('rate limits', () => {
  it('answer 429 with Retry-After past the limit of one method, and leave other methods alone', async () => {
    nextSecond();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.call('GET', `${API}/incoming-transactions`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limited = await h.call('GET', `${API}/incoming-transactions`);
    assert.equal(limited.headers['retry-after'], '1');
    assert.equal(
      (await h.call('GET', `${API}/beneficiaries`)).status,
      200,
      'another method has its own limit',
    );
    nextSecond();
    assert.equal((await h.call('GET', `${API}/incoming-transactions`)).status, 200);
  });
});

describe('rate limits off (BANK_RATE_LIMITS=off)', () => {
  it('no call is limited, however many come in one second', async () => {
    const lifted = await startSandbox({ limits: { defaultPerS: 3, selfEmployedPerS: 1, off: true } });
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 20; i++)
        statuses.add((await lifted.call('GET', `${API}/incoming-transactions`)).status);
      assert.deepEqual([...statuses], [200]);
    } finally {
      await lifted.close();
    }
  });
});
