import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshInn, SE } from '../../self-employed-test-support.ts';
import { API, type Harness, startSandbox } from '../../test-support.ts';

/** The bank's own limits: 1 request/s on each method of the self-employed API, 10 on the others. */
let h: Harness;
before(async () => {
  h = await startSandbox({ limits: { defaultPerS: 10, selfEmployedPerS: 1 } });
});
after(async () => {
  await h.close();
});

/** Each self-employed method allows one call a second: a new second starts with a full bucket. */
const nextSecond = () => h.sim.clock.advance(1_000);
const check = async (body: object) => {
  nextSecond();
  return h.call('POST', `${SE}/npd-status`, body);
};

describe('the NPD status check', () => {
  it("answers a recipient's own status as it moves, and ACTIVE for an INN the bank does not know", async () => {
    const inn = freshInn();
    const unknown = await check({ inn, requestDate: '2026-03-01' });
    assert.equal(unknown.status, 200, unknown.text);
    assert.equal(unknown.json.status, true);
    assert.equal(unknown.json.selfEmployedStatus, 'ACTIVE');
    assert.equal(unknown.json.requestDate, '2026-03-01');
    assert.equal(unknown.json.recipientId, null);
    nextSecond();
    const started = await h.create(`${SE}/recipients/create`, {
      recipients: [{ number: 1, inn, firstName: 'Olga', lastName: 'Smirnova' }],
    });
    assert.equal(started.status, 200, started.text);
    const waiting = await h.pool.query('select id from se_recipients where inn = $1', [inn]);
    // The same instant as the create: the registration is still waiting for the tax service.
    const waitingNow = await h.call('POST', `${SE}/npd-status`, { inn });
    assert.equal(waitingNow.status, 200, waitingNow.text);
    assert.equal(waitingNow.json.selfEmployedStatus, 'REGISTRATION_WAIT');
    assert.equal(waitingNow.json.status, false);
    assert.equal(waitingNow.json.recipientId, waiting.rows[0].id);
    nextSecond();
    await h.tick();
    const active = await h.call('POST', `${SE}/npd-status`, { inn });
    assert.equal(active.json.selfEmployedStatus, 'ACTIVE');
    assert.equal(active.json.status, true);
  });

  it('refuses an INN that fails its checksum or is a company’s', async () => {
    const bad = await check({ inn: '500100732250' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errorCode, 'INVALID_INN');
    assert.equal((await check({ inn: '7707083893' })).status, 400);
    assert.equal((await check({ inn: freshInn(), requestDate: 'today' })).status, 400);
  });
});

describe('the rate limit of the self-employed API', () => {
  it('answers the second call of a method within a second 429 with Retry-After, and lets other methods through', async () => {
    nextSecond();
    const inn = freshInn();
    assert.equal((await h.call('POST', `${SE}/npd-status`, { inn })).status, 200);
    const limited = await h.call('POST', `${SE}/npd-status`, { inn });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['retry-after'], '1');
    assert.equal(limited.json.errorCode, 'TOO_MANY_REQUESTS');
    const limitedCreate = [];
    for (let i = 0; i < 2; i++)
      limitedCreate.push(
        (
          await h.create(`${SE}/recipients/create`, {
            recipients: [{ number: 1, inn: freshInn(), firstName: 'A', lastName: 'B' }],
          })
        ).status,
      );
    assert.deepEqual(limitedCreate, [200, 429], 'each method has its own 1 request/s');
    const nominal = [];
    for (let i = 0; i < 3; i++) nominal.push((await h.call('GET', `${API}/balances`)).status);
    assert.deepEqual(nominal, [200, 200, 200], 'the nominal-account API keeps its own limit');
    h.sim.clock.advance(1_000);
    assert.equal((await h.call('POST', `${SE}/npd-status`, { inn })).status, 200);
  });
});
