import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NOMINAL, PERSON_INN } from '../../../services/bank-sandbox/src/test-support.ts';
import { BankUnavailable } from './errors.ts';
import type { BankClientEvent } from './policy.ts';
import { type Bank, retries, startBank } from './test-support.ts';

const person = { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Ivan', lastName: 'Petrov' } as const;

let bank: Bank;
before(async () => {
  bank = await startBank();
});
after(async () => {
  await bank.close();
});
beforeEach(async () => {
  await bank.h.call('DELETE', '/_sim/faults');
  bank.events.length = 0;
});

/** How many rows the sandbox holds, read past the client: the proof that nothing was done twice. */
async function count(table: 'beneficiaries' | 'deals'): Promise<number> {
  const { rows } = await bank.h.pool.query<{ n: string }>(`select count(*) as n from ${table}`);
  return Number(rows[0]?.n);
}

/** Every call 500s after its effect, until the client's first retry, when the fault is switched off. */
function failAfterTheEffectOnce(): void {
  bank.h.sim.faults.errorRate = 1;
  bank.h.sim.faults.errorWhen = 'after';
}

/** A client whose first retry switches the fault off, as a bank that recovers would. */
function recoveringClient() {
  return bank.clientWith({
    onEvent: (e: BankClientEvent) => {
      bank.events.push(e);
      if (e.type === 'retry') bank.h.sim.faults.errorRate = 0;
    },
  });
}

describe('a 500 after the operation took effect', () => {
  it('a create retried under the same Idempotency-Key answers the first result, with no duplicate', async () => {
    const c = recoveringClient();
    const before = await count('beneficiaries');
    failAfterTheEffectOnce();
    const created = await c.createBeneficiary(person, randomUUID());
    assert.equal(retries(bank.events).length, 1);
    assert.equal(await count('beneficiaries'), before + 1);
    assert.equal((await c.getBeneficiary(created.beneficiaryId)).beneficiaryId, created.beneficiaryId);
  });

  it('identify retried credits the money once', async () => {
    const c = recoveringClient();
    const buyer = await c.createBeneficiary(person, randomUUID());
    const incoming = await bank.h.call('POST', '/_sim/incoming', '{"amount":0.29}');
    failAfterTheEffectOnce();
    const done = await c.identifyIncoming(
      incoming.json.operationId,
      [{ beneficiaryId: buyer.beneficiaryId, amount: 29n }],
      randomUUID(),
    );
    assert.equal(done.identified, true);
    assert.equal(retries(bank.events).length, 1);
    assert.equal((await c.getBalance(buyer.beneficiaryId))?.amount, 29n);
  });

  it('the same key sent again later by the caller (after BankUnavailable) replays the same deal', async () => {
    const c = bank.clientWith({ retriesMax: 0 });
    const key = randomUUID();
    const before = await count('deals');
    failAfterTheEffectOnce();
    await assert.rejects(c.createDeal(NOMINAL, key), BankUnavailable);
    bank.h.sim.faults.errorRate = 0;
    const first = await c.createDeal(NOMINAL, key);
    assert.deepEqual(await c.createDeal(NOMINAL, key), first);
    assert.equal(await count('deals'), before + 1);
  });

  it('accept retried finds the deal accepted and answers it, holding the money once', async () => {
    const c = recoveringClient();
    const buyer = await c.createBeneficiary(person, randomUUID());
    const seller = await c.createBeneficiary(person, randomUUID());
    await bank.tick();
    const incoming = await bank.h.call('POST', '/_sim/incoming', '{"amount":10}');
    await c.identifyIncoming(
      incoming.json.operationId,
      [{ beneficiaryId: buyer.beneficiaryId, amount: 1000n }],
      randomUUID(),
    );
    const deal = await c.createDeal(NOMINAL, randomUUID());
    const step = await c.createStep(deal.dealId, 'Deposit', randomUUID());
    await c.putDeponent(deal.dealId, step.stepId, buyer.beneficiaryId, 1000n);
    await c.addRecipient(
      deal.dealId,
      step.stepId,
      { beneficiaryId: seller.beneficiaryId, amount: 1000n, purpose: 'Deposit', keepOnVirtualAccount: true },
      randomUUID(),
    );
    failAfterTheEffectOnce();
    assert.equal((await c.acceptDeal(deal.dealId)).status, 'ACCEPTED');
    assert.equal(retries(bank.events).length, 1);
    assert.deepEqual(await c.getBalance(buyer.beneficiaryId), {
      beneficiaryId: buyer.beneficiaryId,
      amount: 0n,
      amountOnHold: 1000n,
    });
    // The event that caused it delivered again: the deal is accepted already, which is the answer.
    assert.equal((await c.acceptDeal(deal.dealId)).status, 'ACCEPTED');
    assert.equal((await c.getBalance(buyer.beneficiaryId))?.amountOnHold, 1000n);
    failAfterTheEffectOnce();
    assert.equal((await c.completeStep(deal.dealId, step.stepId)).status, 'PAYMENT_IN_PROGRESS');
    assert.equal(retries(bank.events).length, 2);
    // A deal whose payouts have started cannot be cancelled: that refusal is the bank's, not resolved.
    await assert.rejects(c.cancelDeal(deal.dealId), { name: 'BankError', status: 409 });
  });
});

describe('429 and 5xx', () => {
  it("a burst of 429s is retried after the bank's Retry-After, and the call succeeds", async () => {
    const created = await bank.client.createBeneficiary(person, randomUUID());
    bank.h.sim.faults.burst429 = 3;
    assert.equal(
      (await bank.client.getBeneficiary(created.beneficiaryId)).beneficiaryId,
      created.beneficiaryId,
    );
    const waits = retries(bank.events).map((e) => (e.type === 'retry' ? e.delayMs : 0));
    assert.equal(waits.length, 3);
    for (const ms of waits) assert.ok(ms >= 1_000, `waited ${ms} ms, the bank asked for 1 s`);
  });

  it('5xx on every try: the retries run out and the error says the bank is unavailable', async () => {
    const c = bank.clientWith({ retriesMax: 2 });
    bank.h.sim.faults.errorRate = 1;
    await assert.rejects(
      c.createBeneficiary(person, randomUUID()),
      (err: unknown) =>
        err instanceof BankUnavailable &&
        err.reason === 'retries_exhausted' &&
        err.last?.status === 500 &&
        err.last.errorCode === 'INTERNAL_ERROR',
    );
    assert.equal(retries(bank.events).length, 2);
  });

  it('a bank that cannot be reached is unavailable after the retries, and the message names no secret', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const c = bank.clientWith({ baseUrl: `http://127.0.0.1:${port}`, retriesMax: 1 });
    await assert.rejects(
      c.getDeal(randomUUID()),
      (err: unknown) =>
        err instanceof BankUnavailable &&
        err.reason === 'retries_exhausted' &&
        err.last?.message === 'no answer from the bank: ECONNREFUSED' &&
        !err.message.includes('test-token'),
    );
  });

  it('no answer within the timeout is retried, then the bank is unavailable', async () => {
    const c = bank.clientWith({ retriesMax: 1, timeoutMs: 100 });
    bank.h.sim.faults.latencyMs = 2_000;
    await assert.rejects(
      c.getDeal(randomUUID()),
      (err: unknown) =>
        err instanceof BankUnavailable &&
        err.reason === 'retries_exhausted' &&
        err.last?.message === 'no answer within 100 ms',
    );
    assert.equal(retries(bank.events).length, 1);
  });
});

describe('the circuit breaker', () => {
  it('opens after 5 consecutive failures, and then calls fail at once as bank unavailable', async () => {
    const c = bank.clientWith({ retriesMax: 0 });
    bank.h.sim.faults.errorRate = 1;
    bank.h.sim.faults.errorWhen = 'before';
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        c.createBeneficiary(person, randomUUID()),
        (err: unknown) => err instanceof BankUnavailable && err.reason === 'retries_exhausted',
      );
    }
    assert.deepEqual(
      bank.events.filter((e) => e.type === 'breaker'),
      [{ type: 'breaker', state: 'open' }],
    );
    bank.h.sim.faults.errorRate = 0;
    const before = await count('beneficiaries');
    for (const call of [() => c.createBeneficiary(person, randomUUID()), () => c.getDeal(randomUUID())]) {
      await assert.rejects(
        call(),
        (err: unknown) =>
          err instanceof BankUnavailable &&
          err.reason === 'circuit_open' &&
          err.message.includes('the bank is unavailable'),
      );
    }
    assert.equal(await count('beneficiaries'), before);
    // Another client (another process) has its own circuit: the bank itself is fine again.
    assert.equal((await bank.client.createBeneficiary(person, randomUUID())).type, 'FL_RESIDENT');
  });

  it('after its half-open wait one call probes, and a success closes the circuit again', async () => {
    const c = bank.clientWith({ retriesMax: 0, breakerHalfOpenAfterMs: 200 });
    bank.h.sim.faults.errorRate = 1;
    for (let i = 0; i < 5; i++)
      await assert.rejects(c.createBeneficiary(person, randomUUID()), BankUnavailable);
    bank.h.sim.faults.errorRate = 0;
    const deadline = Date.now() + 30_000;
    let created: unknown;
    while (created === undefined && Date.now() < deadline) {
      created = await c.createBeneficiary(person, randomUUID()).catch((err: unknown) => {
        assert.ok(err instanceof BankUnavailable && err.reason === 'circuit_open', String(err));
        return new Promise<undefined>((r) => setTimeout(() => r(undefined), 50));
      });
    }
    assert.ok(created, 'the circuit closed again within 30 s');
    assert.deepEqual(
      bank.events.filter((e) => e.type === 'breaker').map((e) => e.type === 'breaker' && e.state),
      ['open', 'half_open', 'closed'],
    );
  });

  it('a refusal (4xx) is an answer: it never opens the circuit', async () => {
    const c = bank.clientWith({ retriesMax: 0 });
    for (let i = 0; i < 6; i++) await assert.rejects(c.getDeal(randomUUID()), { name: 'BankError' });
    assert.equal((await c.createBeneficiary(person, randomUUID())).type, 'FL_RESIDENT');
    assert.deepEqual(
      bank.events.filter((e) => e.type === 'breaker'),
      [],
    );
  });
});
