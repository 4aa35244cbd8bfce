import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, signedHeaders, startDeals } from '../../test-support.ts';

let h: Harness;
let seq = 0;

before(async () => {
  h = await startDeals();
});
after(async () => {
  await h?.close();
});

/** A notification as the bank writes it: amounts in decimal rubles, exactly these bytes signed. */
const body = (id: string) =>
  `{"notificationId":"${id}","type":"INCOMING_PAYMENT_RECEIVED","objectId":"in_1","status":"RECEIVED","occurredAt":"2026-12-01T10:00:00Z","data":{"amount":1234.56}}`;

const send = (payload: string, headers: Record<string, string>) =>
  h.app.inject({ method: 'POST', url: '/v1/bank/notifications', payload, headers });

const logged = async (id: string) =>
  (
    await h.pool.query<{ verdict: string; raw_body: Buffer }>(
      'select verdict, raw_body from bank_notifications where notification_id = $1 order by position',
      [id],
    )
  ).rows.map((r) => [r.verdict, r.raw_body.toString('utf8')]);

describe('POST /v1/bank/notifications', () => {
  it('given a signed notification without a token, then it is stored byte for byte, queued, and answered 200', async () => {
    const id = `ntf_${++seq}`;
    const raw = body(id);
    const res = await send(raw, signedHeaders(raw, { id, atMs: h.clock.now().getTime() }));
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { received: true, duplicate: false });
    assert.deepEqual(await logged(id), [['authentic', raw]]);
    const queued = await h.pool.query('select 1 from bank_notification_outcomes where notification_id = $1', [
      id,
    ]);
    assert.equal(queued.rowCount, 1);
  });

  it('given the same notification twice (the bank retried), then it is stored once and both answers are 200', async () => {
    const id = `ntf_${++seq}`;
    const raw = body(id);
    const headers = signedHeaders(raw, { atMs: h.clock.now().getTime() });
    const answers = await Promise.all([send(raw, headers), send(raw, headers), send(raw, headers)]);
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      [200, 200, 200],
    );
    assert.equal(answers.filter((a) => a.json().duplicate === false).length, 1);
    assert.deepEqual(await logged(id), [['authentic', raw]]);
  });

  it('given a forged, stale, unsigned or altered notification, then it is logged as such and answered 401', async () => {
    const nowMs = h.clock.now().getTime();
    const cases: Array<[string, Record<string, string>, string]> = [];
    const forged = `ntf_${++seq}`;
    cases.push([
      body(forged),
      signedHeaders(body(forged), { atMs: nowMs, secret: 'not-the-secret' }),
      'signature_mismatch',
    ]);
    const stale = `ntf_${++seq}`;
    cases.push([body(stale), signedHeaders(body(stale), { atMs: nowMs - 301_000 }), 'signature_stale']);
    const unsigned = `ntf_${++seq}`;
    cases.push([body(unsigned), { 'content-type': 'application/json' }, 'signature_missing']);
    const altered = `ntf_${++seq}`;
    cases.push([
      body(altered).replace('1234.56', '9234.56'),
      signedHeaders(body(altered), { atMs: nowMs }),
      'signature_mismatch',
    ]);
    for (const [raw, headers, code] of cases) {
      const res = await send(raw, headers);
      assert.deepEqual([res.statusCode, res.json().code], [401, code], code);
      const id = (JSON.parse(raw) as { notificationId: string }).notificationId;
      assert.deepEqual(
        (await logged(id)).map(([verdict]) => verdict),
        [code],
      );
      const queued = await h.pool.query(
        'select 1 from bank_notification_outcomes where notification_id = $1',
        [id],
      );
      assert.equal(queued.rowCount, 0, `${code} was queued`);
    }
  });

  it('given a forged copy first, then the genuine notification with the same id is still taken', async () => {
    const id = `ntf_${++seq}`;
    const raw = body(id);
    const nowMs = h.clock.now().getTime();
    assert.equal(
      (await send(raw, signedHeaders(raw, { atMs: nowMs, secret: 'forger-secret' }))).statusCode,
      401,
    );
    const genuine = await send(raw, signedHeaders(raw, { atMs: nowMs }));
    assert.deepEqual([genuine.statusCode, genuine.json().duplicate], [200, false]);
  });

  it('refuses an authentic body that names no id, and a body over the limit', async () => {
    const raw = '{"type":"DEAL_ACCEPTED"}';
    const res = await send(raw, signedHeaders(raw, { atMs: h.clock.now().getTime() }));
    assert.deepEqual([res.statusCode, res.json().code], [400, 'notification_id_missing']);
    const big = `{"notificationId":"ntf_big","pad":"${'x'.repeat(70_000)}"}`;
    const tooBig = await send(big, signedHeaders(big, { atMs: h.clock.now().getTime() }));
    assert.equal(tooBig.statusCode, 413);
  });
});
