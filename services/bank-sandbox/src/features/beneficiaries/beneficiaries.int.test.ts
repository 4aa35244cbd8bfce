import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  API,
  COMPANY_INN,
  type Harness,
  PERSON_INN,
  SCORING_DELAY_MS,
  startSandbox,
  TOKEN,
} from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startSandbox();
});
after(async () => {
  await h.close();
});

const person = {
  type: 'FL_RESIDENT',
  inn: PERSON_INN,
  firstName: 'Ivan',
  lastName: 'Petrov',
  isSelfEmployed: true,
};

describe('the bank token', () => {
  it('answers 401 in the bank error shape without a token or with a wrong one', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`]) {
      const res = await h.app.inject({
        method: 'GET',
        url: `${API}/beneficiaries`,
        headers: authorization ? { authorization } : {},
      });
      assert.equal(res.statusCode, 401, authorization);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['errorCode', 'errorDetails', 'errorId', 'errorMessage']);
      assert.equal(body.errorCode, 'UNAUTHORIZED');
      assert.match(body.errorId, /^[0-9a-f-]{36}$/);
    }
  });

  it('leaves /health open and answers unknown bank paths 404 in the bank shape', async () => {
    assert.equal((await h.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    const res = await h.call('GET', `${API}/nothing-here`);
    assert.equal(res.status, 404);
    assert.equal(res.json.errorCode, 'NOT_FOUND');
  });
});

describe('beneficiaries', () => {
  it('creates a self-employed person whose scoring is IN_PROGRESS, then SUCCEEDED once its time has come', async () => {
    const res = await h.create(`${API}/beneficiaries`, person);
    assert.equal(res.status, 201, res.text);
    const id = res.json.beneficiaryId;
    assert.equal(res.json.isSelfEmployed, true);
    assert.equal(res.json.firstName, 'Ivan');
    const scoring = () => h.call('GET', `/api/v2/nominal-accounts/beneficiaries/scoring?beneficiaryId=${id}`);
    assert.equal((await scoring()).json.results[0].status, 'IN_PROGRESS');
    await h.tick();
    assert.equal((await scoring()).json.results[0].status, 'IN_PROGRESS', 'not before its time');
    h.sim.clock.advance(SCORING_DELAY_MS);
    await h.tick();
    assert.deepEqual((await scoring()).json.results[0], {
      beneficiaryId: id,
      status: 'SUCCEEDED',
      warnings: [],
      errors: [],
    });
    const got = await h.call('GET', `${API}/beneficiaries/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.inn, PERSON_INN);
  });

  it('refuses an INN that fails its checksum, a company INN for a person, and self-employed companies', async () => {
    const bad = await h.create(`${API}/beneficiaries`, { ...person, inn: '500100732250' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errorCode, 'INVALID_INN');
    const companyInn = await h.create(`${API}/beneficiaries`, { ...person, inn: COMPANY_INN });
    assert.equal(companyInn.status, 400);
    const se = await h.create(`${API}/beneficiaries`, {
      type: 'UL_RESIDENT',
      inn: COMPANY_INN,
      name: 'OOO Romashka',
      isSelfEmployed: true,
    });
    assert.equal(se.status, 400);
    assert.equal(se.json.errorCode, 'VALIDATION_ERROR');
    const company = await h.create(`${API}/beneficiaries`, {
      type: 'UL_RESIDENT',
      inn: COMPANY_INN,
      name: 'OOO Romashka',
    });
    assert.equal(company.status, 201, company.text);
    assert.equal(company.json.isSelfEmployed, false);
  });

  it('refuses unknown fields and unknown types with field details', async () => {
    const res = await h.create(`${API}/beneficiaries`, { ...person, type: 'ROBOT', extra: 1 });
    assert.equal(res.status, 400);
    assert.equal(res.json.errorCode, 'VALIDATION_ERROR');
    assert.ok(Array.isArray(res.json.errorDetails) && res.json.errorDetails.length >= 2, res.text);
  });

  it('updates names and the self-employed flag, lists, and answers 404 for an unknown id', async () => {
    const id = (await h.create(`${API}/beneficiaries`, person)).json.beneficiaryId;
    const upd = await h.call('PATCH', `${API}/beneficiaries/${id}`, {
      lastName: 'Sidorov',
      isSelfEmployed: false,
    });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.json.lastName, 'Sidorov');
    assert.equal(upd.json.isSelfEmployed, false);
    const list = await h.call('GET', `${API}/beneficiaries?limit=100`);
    assert.ok(list.json.results.some((b: { beneficiaryId: string }) => b.beneficiaryId === id));
    const missing = await h.call('GET', `${API}/beneficiaries/0190f5f0-0000-7000-8000-000000000000`);
    assert.equal(missing.status, 404);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, and refuses another body with 422', async () => {
    const key = crypto.randomUUID();
    const first = await h.create(`${API}/beneficiaries`, person, key);
    const again = await h.create(`${API}/beneficiaries`, person, key);
    assert.equal(again.status, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.text, first.text);
    const other = await h.create(`${API}/beneficiaries`, { ...person, firstName: 'Petr' }, key);
    assert.equal(other.status, 422);
    assert.equal(other.json.errorCode, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('requires a UUID key on creates', async () => {
    const none = await h.call('POST', `${API}/beneficiaries`, person);
    assert.equal(none.status, 400);
    assert.equal(none.json.errorCode, 'IDEMPOTENCY_KEY_REQUIRED');
    const notUuid = await h.create(`${API}/beneficiaries`, person, 'key-1');
    assert.equal(notUuid.status, 400);
  });

  it('runs concurrent twins with one key once', async () => {
    const key = crypto.randomUUID();
    const answers = await Promise.all([1, 2, 3].map(() => h.create(`${API}/beneficiaries`, person, key)));
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.json.beneficiaryId));
    assert.equal(ids.size, 1, answers.map((a) => a.text).join('\n'));
  });
});
