import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activeRecipient, freshInn, resultOf, SE } from '../../self-employed-test-support.ts';
import { type Harness, PERSON_INN, startSandbox } from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startSandbox();
});
after(async () => {
  await h.close();
});

const draft = (number: number, inn: string) => ({ number, inn, firstName: 'Olga', lastName: 'Smirnova' });
const recipient = async (id: number) => (await h.call('GET', `${SE}/recipients/${id}`)).json;

describe('recipients/create', () => {
  it('answers a correlationId at once; the result is QUEUED, then CREATED, and the recipient waits, then is ACTIVE', async () => {
    const inn = freshInn();
    const started = await h.create(`${SE}/recipients/create`, {
      recipients: [{ ...draft(1, inn), middleName: 'Petrovna', birthDate: '1990-05-01' }],
    });
    assert.equal(started.status, 200, started.text);
    const { correlationId } = started.json;
    assert.match(correlationId, /^[0-9a-f-]{36}$/);
    const early = await h.call('GET', `${SE}/recipients/create/result?correlationId=${correlationId}`);
    assert.equal(early.status, 200);
    assert.equal(early.json.recipientResults[0].status, 'QUEUED');
    h.sim.clock.advance(500);
    const result = (await h.call('GET', `${SE}/recipients/create/result?correlationId=${correlationId}`))
      .json;
    const [one] = result.recipientResults;
    assert.equal(one.status, 'CREATED');
    assert.equal(one.number, 1);
    assert.equal(typeof one.recipientId, 'number');
    const waiting = await recipient(one.recipientId);
    assert.equal(waiting.selfEmployedStatus, 'REGISTRATION_WAIT');
    assert.equal(waiting.status, 'PROCESSING');
    assert.equal(waiting.inn, inn);
    assert.equal(waiting.middleName, 'Petrovna');
    assert.equal(waiting.birthDate, '1990-05-01');
    await h.tick();
    assert.equal(
      (await recipient(one.recipientId)).selfEmployedStatus,
      'REGISTRATION_WAIT',
      'not before its time',
    );
    h.sim.clock.advance(500);
    await h.tick();
    const active = await recipient(one.recipientId);
    assert.equal(active.selfEmployedStatus, 'ACTIVE');
    assert.equal(active.status, 'ACTIVE');
  });

  it('takes the caller’s correlationId, and refuses it taken by another call with 409', async () => {
    const correlationId = crypto.randomUUID();
    const first = await h.create(`${SE}/recipients/create`, {
      correlationId,
      recipients: [draft(1, freshInn())],
    });
    assert.equal(first.json.correlationId, correlationId);
    const again = await h.create(`${SE}/recipients/create`, {
      correlationId,
      recipients: [draft(1, freshInn())],
    });
    assert.equal(again.status, 409);
    assert.equal(again.json.errorCode, 'CONFLICT');
  });

  it('answers a bad INN and a known INN as ERROR of that recipient, the others CREATED', async () => {
    const known = await activeRecipient(h);
    const started = await h.create(`${SE}/recipients/create`, {
      recipients: [draft(1, '500100732250'), draft(2, known.inn), draft(3, freshInn())],
    });
    const result = await resultOf(h, 'recipients/create', started.json.correlationId);
    const [bad, dup, good] = result.recipientResults;
    assert.equal(bad.status, 'ERROR');
    assert.equal(bad.errors[0].fieldName, 'inn');
    assert.equal(dup.status, 'ERROR');
    assert.match(dup.errors[0].errorDescription, /exists/);
    assert.equal(good.status, 'CREATED');
  });

  it('is idempotent: the same key and body replay the first answer and create nothing more', async () => {
    const key = crypto.randomUUID();
    const body = { recipients: [draft(1, freshInn())] };
    const count = async () => (await h.pool.query('select count(*)::int as n from se_recipients')).rows[0].n;
    const first = await h.create(`${SE}/recipients/create`, body, key);
    const n = await count();
    const replay = await h.create(`${SE}/recipients/create`, body, key);
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json.correlationId, first.json.correlationId);
    assert.equal(await count(), n);
    const other = await h.create(`${SE}/recipients/create`, { recipients: [draft(1, freshInn())] }, key);
    assert.equal(other.status, 422);
    assert.equal(other.json.errorCode, 'IDEMPOTENCY_KEY_REUSED');
    const keyless = await h.call('POST', `${SE}/recipients/create`, body);
    assert.equal(keyless.status, 400);
    assert.equal(keyless.json.errorCode, 'IDEMPOTENCY_KEY_REQUIRED');
  });

  it('runs a concurrent duplicate (same key, same body) once', async () => {
    const key = crypto.randomUUID();
    const inn = freshInn();
    const body = { recipients: [draft(1, inn)] };
    const answers = await Promise.all([1, 2, 3].map(() => h.create(`${SE}/recipients/create`, body, key)));
    const ok = answers.filter((a) => a.status === 200);
    assert.ok(ok.length >= 1, answers.map((a) => a.text).join());
    assert.equal(new Set(ok.map((a) => a.json.correlationId)).size, 1);
    for (const a of answers.filter((x) => x.status !== 200))
      assert.equal(a.json.errorCode, 'IDEMPOTENCY_IN_PROGRESS');
    const { rows } = await h.pool.query('select count(*)::int as n from se_recipients where inn = $1', [inn]);
    assert.equal(rows[0].n, 1);
    const ops = await h.pool.query('select count(*)::int as n from se_operations where correlation_id = $1', [
      ok[0]?.json.correlationId,
    ]);
    assert.equal(ops.rows[0].n, 1);
  });

  it('refuses malformed bodies with 400 in the bank shape', async () => {
    for (const body of [
      { recipients: [] },
      { recipients: [{ ...draft(1, PERSON_INN), extra: true }] },
      { recipients: [draft(1, '7707083893')] },
      { recipients: [draft(1, freshInn()), draft(1, freshInn())] },
      { recipients: [{ ...draft(1, freshInn()), number: 1.5 }] },
    ]) {
      const res = await h.create(`${SE}/recipients/create`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.errorCode, 'VALIDATION_ERROR');
      assert.ok(res.json.errorId);
    }
  });

  it('answers an unknown correlationId 404, and forgets a result after two days', async () => {
    const unknown = await h.call(
      'GET',
      `${SE}/recipients/create/result?correlationId=${crypto.randomUUID()}`,
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.errorCode, 'NOT_FOUND');
    const started = await h.create(`${SE}/recipients/create`, { recipients: [draft(1, freshInn())] });
    const { correlationId } = started.json;
    const wrongKind = await h.call(
      'GET',
      `${SE}/payment-registry/create/result?correlationId=${correlationId}`,
    );
    assert.equal(wrongKind.status, 404);
    h.sim.clock.advance(2 * 86_400_000);
    await h.tick();
    const gone = await h.call('GET', `${SE}/recipients/create/result?correlationId=${correlationId}`);
    assert.equal(gone.status, 404);
  });
});

describe('recipients/add/by-requisites', () => {
  it('adds a recipient with its account, checked against the BIK, and shows it on the recipient', async () => {
    const inn = freshInn();
    const bankInfo = { accountNumber: '40817810000000000001', bankBic: '044525974' };
    const started = await h.create(`${SE}/recipients/add/by-requisites`, {
      recipients: [
        { ...draft(1, inn), bankInfo },
        { ...draft(2, freshInn()), bankInfo: { accountNumber: '40817810000000000002' } },
      ],
    });
    assert.equal(started.status, 200, started.text);
    const [good, bad] = (await resultOf(h, 'recipients/add/by-requisites', started.json.correlationId))
      .recipientResults;
    assert.equal(good.status, 'CREATED');
    assert.equal(bad.status, 'ERROR');
    assert.equal(bad.errors[0].fieldName, 'bankInfo.accountNumber');
    const got = await recipient(good.recipientId);
    assert.deepEqual(got.bankInfo, bankInfo);
    assert.equal(got.selfEmployedStatus, 'REGISTRATION_WAIT');
    const missing = await h.create(`${SE}/recipients/add/by-requisites`, {
      recipients: [draft(1, freshInn())],
    });
    assert.equal(missing.status, 400, 'bankInfo is required here');
  });
});

describe('recipients/list and get', () => {
  it('filters by ids, INNs and NPD status, pages, and answers an unknown id 404', async () => {
    const a = await activeRecipient(h);
    const b = await activeRecipient(h);
    const byIds = await h.call('POST', `${SE}/recipients/list`, { recipientIds: [a.id, b.id] });
    assert.equal(byIds.status, 200, byIds.text);
    assert.deepEqual(
      byIds.json.recipients.map((r: { id: number }) => r.id),
      [a.id, b.id],
    );
    const byInn = await h.call('POST', `${SE}/recipients/list`, { inn: [b.inn] });
    assert.deepEqual(
      byInn.json.recipients.map((r: { id: number }) => r.id),
      [b.id],
    );
    const page = await h.call('POST', `${SE}/recipients/list`, {
      recipientIds: [a.id, b.id],
      limit: 1,
      offset: 1,
    });
    assert.deepEqual(
      page.json.recipients.map((r: { id: number }) => r.id),
      [b.id],
    );
    const waiting = await h.call('POST', `${SE}/recipients/list`, {
      recipientIds: [a.id, b.id],
      selfEmployedStatus: ['REGISTRATION_WAIT'],
    });
    assert.deepEqual(waiting.json.recipients, []);
    assert.equal((await h.call('POST', `${SE}/recipients/list`, { limit: 101 })).status, 400);
    const everyone = await h.call('POST', `${SE}/recipients/list`);
    assert.equal(everyone.status, 200, 'the filters are optional, the body too');
    assert.ok(everyone.json.recipients.length >= 2);
    assert.equal((await h.call('GET', `${SE}/recipients/999999`)).status, 404);
    assert.equal((await h.call('GET', `${SE}/recipients/abc`)).status, 400);
  });

  it('keeps recipients and results across a restart', async () => {
    const started = await h.create(`${SE}/recipients/create`, { recipients: [draft(1, freshInn())] });
    h = await h.restart();
    const result = await resultOf(h, 'recipients/create', started.json.correlationId);
    const id = result.recipientResults[0].recipientId;
    h.sim.clock.advance(1_000);
    await h.tick();
    assert.equal((await recipient(id)).selfEmployedStatus, 'ACTIVE');
  });
});

describe('the OpenAPI document', () => {
  it('documents every self-employed route under its tag, with Idempotency-Key on the calls that change something', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const paths = Object.keys(doc.paths).filter((p) => p.includes('self-employed'));
    const expected = [
      '/api/v1/self-employed/recipients/create',
      '/api/v1/self-employed/recipients/create/result',
      '/api/v1/self-employed/recipients/add/by-requisites',
      '/api/v1/self-employed/recipients/add/by-requisites/result',
      '/api/v1/self-employed/recipients/list',
      '/api/v1/self-employed/recipients/{recipientId}',
      '/api/v1/self-employed/npd-status',
      '/api/v1/self-employed/payment-registry/create',
      '/api/v1/self-employed/payment-registry/create/result',
      '/api/v1/self-employed/payment-registry/{paymentRegistryId}',
      '/api/v1/self-employed/payment-registry/list',
      '/api/v1/self-employed/payment-registry/submit',
      '/api/v1/self-employed/payment-registry/submit/result',
      '/api/v1/self-employed/payment-registry/pay',
      '/api/v1/self-employed/payment-registry/pay/result',
      '/api/v1/self-employed/payment-registry/receipts',
      '/api/v1/self-employed/payment-registry/receipts/result',
      '/api/v2/self-employed/payment-registry/receipts/result',
      '/_sim/self-employed/faults',
      '/_sim/self-employed/recipients/{inn}/npd-status',
      '/_sim/self-employed/payment-registry/{paymentRegistryId}/receipts/{number}/cancel',
    ];
    for (const path of expected) assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
    for (const path of paths)
      for (const op of Object.values(doc.paths[path]) as Array<{ summary?: string; parameters?: unknown[] }>)
        assert.ok(op.summary, `${path} has a summary`);
    const create = doc.paths['/api/v1/self-employed/payment-registry/create'].post;
    assert.ok(
      create.parameters.some(
        (p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key',
      ),
    );
  });
});
