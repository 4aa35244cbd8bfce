import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BankClient } from './bank-client.ts';
import { type Bank, retries, startBank } from './test-support.ts';
import type { SelfEmployedReceipt } from './types.ts';

let bank: Bank;
let c: BankClient;
before(async () => {
  // The bank's own 1 call a second on the self-employed API; the client waits on the sandbox's clock.
  bank = await startBank({ limits: { defaultPerS: 10, selfEmployedPerS: 1 } });
  const sim = bank.h.sim.clock;
  c = bank.clientWith({ clock: sim, sleep: async (ms) => sim.advance(ms) });
});
after(async () => {
  await bank.close();
});

/** Polls an asynchronous call's result until it is no longer pending (each poll waits its turn). */
async function resultOf<T>(
  op: Parameters<BankClient['selfEmployedResult']>[0],
  id: string,
  done: (r: T) => boolean,
) {
  for (let i = 0; i < 20; i++) {
    await bank.tick(500);
    const r = await c.selfEmployedResult<T>(op, id);
    if (done(r)) return r;
  }
  assert.fail(`${op} stayed pending`);
}

describe('the self-employed API through the bank client', () => {
  it('NPD status, a recipient, a registry paid and its receipt issued then annulled; 1 call a second, no 429', async () => {
    // A person's INN whose control digits are right, known to no other test.
    const inn = '770000424243';
    const sim = bank.h.sim.clock;
    const t0 = sim.now().getTime();
    assert.equal((await c.npdStatus(inn)).selfEmployedStatus, 'ACTIVE');
    // A second check of the same method waits for its turn: the bank allows one a second.
    assert.equal((await c.npdStatus(inn)).status, true);
    assert.ok(sim.now().getTime() - t0 >= 1_000);

    const created = randomUUID();
    assert.deepEqual(
      await c.createSelfEmployed(
        [{ number: 1, inn, firstName: 'Anna', lastName: 'Ivanova' }],
        created,
        randomUUID(),
      ),
      { correlationId: created },
    );
    const added = await resultOf<{ recipientResults: Array<{ status: string; recipientId?: number }> }>(
      'recipients/create',
      created,
      (r) => r.recipientResults[0]?.status !== 'QUEUED',
    );
    const recipientId = added.recipientResults[0]!.recipientId!;
    await bank.tick(1_000);
    const [listed] = await c.listSelfEmployed({ inn: [inn] });
    assert.deepEqual([listed?.id, listed?.selfEmployedStatus], [recipientId, 'ACTIVE']);

    const registry = randomUUID();
    await c.createPaymentRegistry(
      [{ number: 1, recipientId, sum: 12_345n, paymentPurpose: 'Payout pay_1' }],
      registry,
      randomUUID(),
    );
    const made = await resultOf<{ status: string; paymentRegistryId: number }>(
      'payment-registry/create',
      registry,
      (r) => r.status !== 'QUEUED',
    );
    assert.equal(made.status, 'CREATED');
    const id = made.paymentRegistryId;
    const signed = randomUUID();
    await c.submitPaymentRegistry(id, signed, randomUUID());
    await resultOf<{ status: string }>('payment-registry/submit', signed, (r) => r.status === 'ACCEPTED');
    const paid = randomUUID();
    await c.payPaymentRegistry(id, paid, randomUUID());
    await resultOf<{ status: string }>('payment-registry/pay', paid, (r) => r.status === 'EXECUTED');
    const receiptsNow = async () => {
      const asked = randomUUID();
      await c.requestRegistryReceipts(id, asked, randomUUID());
      const r = await resultOf<{ status: string; receipts: SelfEmployedReceipt[] }>(
        'payment-registry/receipts',
        asked,
        (x) => x.status === 'FINISHED',
      );
      return r.receipts[0]!;
    };
    await bank.tick(1_000);
    const issued = await receiptsNow();
    assert.deepEqual([issued.status, issued.sum], ['SUCCESS', 12_345n]);
    assert.ok(issued.receiptNumber);
    const annulled = await bank.h.call(
      'POST',
      `/_sim/self-employed/payment-registry/${id}/receipts/1/cancel`,
    );
    assert.equal(annulled.status, 200, annulled.text);
    assert.equal((await receiptsNow()).status, 'CANCELED');
    assert.deepEqual(retries(bank.events), [], 'the limiter kept every call within the bank limit');
  });

  it('a correlationId that is not a UUID is refused before any call', async () => {
    await assert.rejects(c.payPaymentRegistry(1, 'not-a-uuid', randomUUID()), TypeError);
  });
});
