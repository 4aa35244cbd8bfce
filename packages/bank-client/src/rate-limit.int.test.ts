import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PERSON_INN } from '../../../services/bank-sandbox/src/test-support.ts';
import { type Bank, retries, startBank } from './test-support.ts';

/** The bank's real limit: 10 calls a second per method, 429 beyond it. */
const BANK_PER_S = 10;

let bank: Bank;
before(async () => {
  bank = await startBank({ limits: { defaultPerS: BANK_PER_S, selfEmployedPerS: 1 } });
});
after(async () => {
  await bank.close();
});

describe('the client-side rate limiter against the bank limit', () => {
  it('keeps 35 calls of one method under 10 a second, so the bank answers no 429', async () => {
    // The limiter runs on the sandbox's own (simulated) clock, and waiting moves that clock on: the test
    // covers 3.5 simulated seconds without sleeping and without depending on the machine's speed.
    const sim = bank.h.sim.clock;
    const c = bank.clientWith({
      rateLimitPerS: BANK_PER_S,
      clock: sim,
      sleep: async (ms) => sim.advance(ms),
    });
    const b = await c.createBeneficiary(
      { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Ivan' },
      randomUUID(),
    );
    const startMs = sim.now().getTime();
    for (let i = 0; i < 35; i++)
      assert.equal((await c.getBeneficiary(b.beneficiaryId)).beneficiaryId, b.beneficiaryId);
    assert.deepEqual(retries(bank.events), []);
    // The first 10 go at once (the burst), the other 25 one every 100 ms.
    assert.equal(sim.now().getTime() - startMs, 2_500);
  });

  it('with the limiter set above the bank limit, a burst collects 429s: the limiter is what keeps them away', async () => {
    const sim = bank.h.sim.clock;
    sim.advance(10_000);
    const c = bank.clientWith({ rateLimitPerS: 1_000, retriesMax: 0, clock: sim });
    const b = await c.createBeneficiary(
      { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Anna' },
      randomUUID(),
    );
    const answers = await Promise.allSettled(
      Array.from({ length: 12 }, () => c.getBeneficiary(b.beneficiaryId)),
    );
    const refused = answers.filter((a) => a.status === 'rejected');
    assert.equal(refused.length, 2);
    for (const r of refused) assert.equal((r.reason as { last?: { status?: number } }).last?.status, 429);
  });

  it('a call that would wait beyond rateLimitWaitMsMax fails at once as bank unavailable, and is not sent', async () => {
    const sim = bank.h.sim.clock;
    const c = bank.clientWith({ rateLimitPerS: 1, rateLimitWaitMsMax: 0, clock: sim });
    await c.listUnidentifiedIncoming();
    await assert.rejects(c.listUnidentifiedIncoming(), {
      name: 'BankUnavailable',
      reason: 'rate_limit_queue_full',
    });
    // Another method has its own bucket.
    assert.equal(await c.getScoring(randomUUID()), undefined);
  });
});
