/**
 * Refunds through the real bank sandbox (ADR 0035): a partial refund before any payout reduces the bank's
 * deal (drafted, edited, accepted again) and the rest is paid; a crash at any point between those calls is
 * resumed from the bank's state without doing anything twice; a full refund cancels the bank's deal; a
 * refund after a payout attempt is handed to an operator and shows in their queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BankClient } from '@strongbox/bank-client';
import { type Bank, startBank } from '@strongbox/bank-client/test-support';
import { runBankTasks } from '../features/bank-tasks/handler.ts';
import { COMPANY_INN, type Harness, PERSON_INN, startDeals } from '../test-support.ts';
import { dealBank } from './bank-adapter.ts';

const NOMINAL = '40702810500000000001';
const ROUNDS_MAX = 60;

let bank: Bank;
let h: Harness;
let n = 0;

before(async () => {
  bank = await startBank();
  h = await startDeals({
    bank: { client: bank.client, nominalAccount: NOMINAL, tasksPollMs: 1_000, jobsSchedule: '0 0 1 1 *' },
  });
});
after(async () => {
  await h?.close();
  await bank?.close();
});

const parts = () => {
  if (!h.bankParts) throw new Error('deals was started without a bank');
  return h.bankParts;
};

async function round(): Promise<void> {
  await runBankTasks(parts().tasks);
  const quietly = (run: () => Promise<number>) => run().catch(() => 0);
  await quietly(parts().fundOnce);
  await quietly(parts().followOnce);
  await bank.tick();
  h.clock.advance(10 * 60_000);
}

async function until(what: string, holds: () => Promise<boolean>, step = round): Promise<void> {
  for (let i = 0; i < ROUNDS_MAX; i++) {
    if (await holds()) return;
    await step();
  }
  assert.fail(`never came true: ${what}`);
}

/** A payout profile of `legalType` with `inn`. */
const profile = (userId: string, legalType: string, inn: string) =>
  h.recipient(userId, { legalType, inn, name: `Petrov ${userId}` });

const deal = (id: string) => h.deal(id);

/**
 * A funded deal of two milestones: 300.00 to a (70 %) and b (30 %), then 700.00 to c (70.00 fixed) and a
 * (the rest); the first released as `first` says, the second when the payer confirms.
 */
async function fundedDeal(first: 'immediate' | 'payer_confirms') {
  const tag = ++n;
  const [a, b, c] = [
    await profile(`usr_ra${tag}`, 'individual', PERSON_INN),
    await profile(`usr_rb${tag}`, 'company', COMPANY_INN),
    await profile(`usr_rc${tag}`, 'company', COMPANY_INN),
  ];
  const payerId = `usr_rpayer${tag}`;
  const created = await h.as('usr_agent', ['agent'], {
    method: 'POST',
    url: '/v1/deals',
    payload: {
      title: 'Flat',
      payerId,
      milestones: [
        {
          title: 'Deposit',
          amount: 30_000,
          release: { kind: first },
          recipients: [
            { recipientId: a, share: { percentBp: 7_000 } },
            { recipientId: b, share: { percentBp: 3_000 } },
          ],
        },
        {
          title: 'Keys',
          amount: 70_000,
          release: { kind: 'payer_confirms' },
          recipients: [
            { recipientId: c, share: { fixed: 7_000 } },
            { recipientId: a, share: { percentBp: 10_000 } },
          ],
        },
      ],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const submitted = await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/submit` });
  assert.equal(submitted.statusCode, 200, submitted.body);
  await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
  const r = await bank.h.call(
    'POST',
    '/_sim/incoming',
    `{"amount":1000,"purpose":${JSON.stringify((await deal(id)).paymentPurpose)}}`,
  );
  assert.equal(r.status, 201, r.text);
  await until('the deal is funded and accepted at the bank', async () => {
    if ((await deal(id)).status === 'awaiting_payment') return false;
    const { rows } = await h.pool.query(
      "select count(*)::int as n from bank_tasks where deal_id = $1 and status = 'pending'",
      [id],
    );
    return rows[0].n === 0;
  });
  return { id, payerId };
}

/** The payer disputes, an operator resolves: the refund is recorded, its bank task queued. */
async function refund(id: string, payerId: string, outcome: object) {
  const opened = await h.as(payerId, ['customer'], {
    method: 'POST',
    url: `/v1/deals/${id}/disputes`,
    payload: { reason: 'The keys were not handed over' },
  });
  assert.equal(opened.statusCode, 201, opened.body);
  const resolved = await h.as('usr_operator', ['operator'], {
    method: 'POST',
    url: `/v1/deals/${id}/disputes/${opened.json().dispute.id}/resolve`,
    payload: outcome,
  });
  assert.equal(resolved.statusCode, 200, resolved.body);
}

const refundTask = async (id: string) =>
  (
    await h.pool.query("select status, last_error from bank_tasks where deal_id = $1 and kind = 'refund'", [
      id,
    ])
  ).rows[0] as { status: string; last_error: string | null };

async function payerBalance(payerId: string) {
  const { rows } = await h.pool.query('select beneficiary_id from bank_payers where user_id = $1', [payerId]);
  return bank.client.getBalance(rows[0].beneficiary_id);
}

const shape = async (bankDealId: string) => {
  const d = await bank.client.getDeal(bankDealId);
  return {
    status: d.status,
    steps: d.steps.map((s) => [s.deponents.map((x) => x.amount), s.recipients.map((r) => r.amount).sort()]),
  };
};

describe('refunds at the bank', () => {
  it('a partial refund before any payout: the bank deal is reduced, the payer has it back, the rest is paid', async () => {
    const { id, payerId } = await fundedDeal('payer_confirms');
    await refund(id, payerId, { outcome: 'partial_refund', amount: 20_000 });
    await until('the refund is done at the bank', async () => (await refundTask(id)).status === 'done');
    const view = await deal(id);
    assert.equal(view.status, 'partially_refunded');
    assert.deepEqual(await shape(view.bankDealId), {
      status: 'ACCEPTED',
      steps: [
        [[30_000n], [21_000n, 9_000n]],
        [[50_000n], [43_000n, 7_000n]],
      ],
    });
    const balance = await payerBalance(payerId);
    assert.deepEqual(
      [balance?.amount, balance?.amountOnHold],
      [20_000n, 80_000n],
      'the refund is free again',
    );

    for (const m of view.milestones) {
      const confirmed = await h.as(payerId, ['customer'], {
        method: 'POST',
        url: `/v1/deals/${id}/milestones/${m.id}/confirm`,
      });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
    }
    await until('the deal completes', async () => (await deal(id)).status === 'completed');
    const after = await payerBalance(payerId);
    assert.deepEqual([after?.amount, after?.amountOnHold], [20_000n, 0n]);
  });

  it('a worker dying between any two calls of a refund: the next attempt resumes and does nothing twice', async () => {
    const { id, payerId } = await fundedDeal('payer_confirms');
    await refund(id, payerId, { outcome: 'partial_refund', amount: 20_000 });
    // Each of these calls "crashes" once right after the bank did it: the answer is lost, as when the
    // process dies between the bank's answer and the next call.
    const crashAfter = new Set(['draftDeal', 'putDeponent', 'addRecipient', 'deleteRecipient', 'acceptDeal']);
    const crashed: string[] = [];
    const dying = new Proxy(bank.client, {
      get(target, name: string) {
        const real = (target as unknown as Record<string, unknown>)[name];
        if (typeof real !== 'function' || !crashAfter.has(name)) return real;
        return async (...args: unknown[]) => {
          const answer = await (real as (...a: unknown[]) => Promise<unknown>)(...args);
          if (crashAfter.delete(name)) {
            crashed.push(name);
            throw new Error(`worker died after ${name}`);
          }
          return answer;
        };
      },
    }) as BankClient;
    const crashing = {
      ...parts().tasks,
      bank: dealBank({ pool: h.pool, clock: h.clock, bank: dying, nominalAccount: NOMINAL }),
    };
    await until(
      'the refund is done at the bank',
      async () => (await refundTask(id)).status === 'done',
      async () => {
        await runBankTasks(crashing);
        h.clock.advance(10 * 60_000);
      },
    );
    assert.deepEqual(crashed, ['draftDeal', 'putDeponent', 'addRecipient', 'deleteRecipient', 'acceptDeal']);
    const view = await deal(id);
    assert.deepEqual(await shape(view.bankDealId), {
      status: 'ACCEPTED',
      steps: [
        [[30_000n], [21_000n, 9_000n]],
        [[50_000n], [43_000n, 7_000n]],
      ],
    });
    const balance = await payerBalance(payerId);
    assert.deepEqual([balance?.amount, balance?.amountOnHold], [20_000n, 80_000n]);
    // The mirror names the recipients the bank has now: the payout follower will find their payments.
    const { rows } = await h.pool.query('select bank_recipient_id from bank_payouts where deal_id = $1', [
      id,
    ]);
    const atBank = (await bank.client.getDeal(view.bankDealId)).steps.flatMap((s) =>
      s.recipients.map((r) => r.recipientId),
    );
    assert.deepEqual(rows.map((r) => r.bank_recipient_id).sort(), atBank.sort());
  });

  it('a full refund before any payout cancels the bank deal and frees all of the payer money', async () => {
    const { id, payerId } = await fundedDeal('payer_confirms');
    await refund(id, payerId, { outcome: 'full_refund' });
    await until('the refund is done at the bank', async () => (await refundTask(id)).status === 'done');
    const view = await deal(id);
    assert.equal(view.status, 'refunded');
    assert.equal((await bank.client.getDeal(view.bankDealId)).status, 'CANCELLED');
    const balance = await payerBalance(payerId);
    assert.deepEqual([balance?.amount, balance?.amountOnHold], [100_000n, 0n]);
  });

  it('a refund after a payout attempt needs an operator: the task ends with the reason, the queue shows it', async () => {
    const { id, payerId } = await fundedDeal('immediate');
    await until('the first milestone is paid', async () => (await deal(id)).milestones[0].status === 'paid');
    await refund(id, payerId, { outcome: 'partial_refund', amount: 20_000 });
    await until('the refund is handed over', async () => (await refundTask(id)).status === 'needs_operator');
    assert.match(
      String((await refundTask(id)).last_error),
      /^refund_needs_operator: a payout was already attempted/,
    );
    const view = await deal(id);
    assert.deepEqual(
      (await shape(view.bankDealId)).steps[1],
      [[70_000n], [63_000n, 7_000n]],
      'the bank deal is left as it was',
    );
    const queue = await h.as('usr_operator', ['operator'], { method: 'GET', url: '/v1/admin/deals/queue' });
    assert.equal(queue.statusCode, 200, queue.body);
    const mine = queue.json().data.filter((i: { dealId: string }) => i.dealId === id);
    assert.deepEqual(
      mine.map((i: { kind: string }) => i.kind),
      ['refund_needs_operator'],
      'the dispute was closed by its resolution; the refund waits',
    );
    assert.match(mine[0].reason, /^refund_needs_operator: /);
  });
});
