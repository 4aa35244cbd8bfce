/**
 * Deals moving money through the real bank sandbox (started in-process by the bank client's test
 * support): payout profiles registered as beneficiaries, a deal registered with its steps, the payer's
 * money found and identified, the deal accepted, milestones paid, payouts followed to the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Bank, startBank } from '@strongbox/bank-client/test-support';
import { nameBasedUuid } from '@strongbox/kernel';
import { runBankTasks } from '../features/bank-tasks/handler.ts';
import {
  ACCOUNT,
  COMPANY_INN,
  type Harness,
  PERSON_INN,
  signedHeaders,
  startDeals,
} from '../test-support.ts';

const NOMINAL = '40702810500000000001';
/** Another valid account at the same BIK, for new bank details. */
const OTHER_ACCOUNT = '40817810000000000001';
const ROUNDS_MAX = 60;

let bank: Bank;
let h: Harness;
let n = 0;

before(async () => {
  bank = await startBank();
  h = await startDeals({
    // The breaker as in production but half-open after a moment, so a test does not wait 30 s for it.
    bank: {
      client: bank.clientWith({ breakerHalfOpenAfterMs: 100 }),
      nominalAccount: NOMINAL,
      tasksPollMs: 1_000,
      jobsSchedule: '0 0 1 1 *',
    },
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

/** One round of everything that moves deals and the bank on: tasks, jobs, the bank's time, ours. */
async function round(opts: { follow?: boolean } = {}): Promise<void> {
  await runBankTasks(parts().tasks);
  // As the kit runs them: a failed run is reported and the next one tries again.
  const quietly = (run: () => Promise<number>) => run().catch(() => 0);
  await quietly(parts().fundOnce);
  if (opts.follow !== false) await quietly(parts().followOnce);
  await quietly(parts().notificationsOnce);
  await quietly(parts().selfEmployedOnce);
  await new Promise((r) => setTimeout(r, 20));
  await bank.tick();
  // Past any backoff of a task that failed this round.
  h.clock.advance(10 * 60_000);
}

async function until(
  what: string,
  holds: () => Promise<boolean>,
  opts: { follow?: boolean } = {},
): Promise<void> {
  for (let i = 0; i < ROUNDS_MAX; i++) {
    if (await holds()) return;
    await round(opts);
  }
  assert.fail(`never came true: ${what}`);
}

/** A payout profile of `legalType` with `inn`, paid to `account`. */
const profile = (userId: string, legalType: string, inn: string, account?: string) =>
  h.recipient(userId, {
    legalType,
    inn,
    name: `Petrov ${userId}`,
    ...(account ? { accountNumber: account } : {}),
  });

const deal = (id: string) => h.deal(id);

/** An agent's deal of two milestones (immediate, then the payer confirms) between three recipients. */
async function submittedDeal(payerId: string, rcp: readonly [string, string, string]) {
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
          release: { kind: 'immediate' },
          recipients: [
            { recipientId: rcp[0], share: { percentBp: 7_000 } },
            { recipientId: rcp[1], share: { percentBp: 3_000 } },
          ],
        },
        {
          title: 'Keys',
          amount: 70_000,
          release: { kind: 'payer_confirms' },
          recipients: [
            { recipientId: rcp[0], share: { percentBp: 10_000 } },
            { recipientId: rcp[2], share: { fixed: 7_000 } },
          ],
        },
      ],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const submitted = await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/submit` });
  assert.equal(submitted.statusCode, 200, submitted.body);
  return id;
}

async function pay(purpose: string, rubles: string, oddity?: string): Promise<string> {
  const body = JSON.stringify({ purpose, ...(oddity ? { oddity } : {}) }).replace(
    /^\{/,
    `{"amount":${rubles},`,
  );
  const r = await bank.h.call('POST', '/_sim/incoming', body);
  assert.equal(r.status, 201, r.text);
  return r.json.operationId as string;
}

async function payouts(dealId: string) {
  const bankDealId = (await deal(dealId)).bankDealId as string;
  const steps = await bank.client.listSteps(bankDealId);
  const all = [];
  for (const s of steps) all.push(...(await bank.client.listStepPayments(bankDealId, s.stepId)));
  return all;
}

describe('deals through the bank sandbox', () => {
  it('registers profiles and the deal, finds the payment, accepts, pays both milestones and completes', async () => {
    const tag = ++n;
    const agent = await profile(`usr_a${tag}`, 'individual', PERSON_INN);
    const agency = await profile(`usr_b${tag}`, 'company', COMPANY_INN);
    const freelancer = await profile(`usr_c${tag}`, 'self_employed', PERSON_INN);
    const id = await submittedDeal(`usr_payer${tag}`, [agent, agency, freelancer]);

    await until(
      'the deal awaits payment at the bank',
      async () => (await deal(id)).status === 'awaiting_payment',
    );
    const { rows } = await h.pool.query(
      'select beneficiary_id, bank_details_id, scoring_status from recipients where recipient_id = any($1)',
      [[agent, agency, freelancer]],
    );
    assert.equal(rows.length, 3);
    for (const r of rows)
      assert.ok(r.beneficiary_id && r.bank_details_id && r.scoring_status === 'SUCCEEDED');
    const me = await h.as(`usr_b${tag}`, ['customer'], { method: 'GET', url: '/v1/recipients/me' });
    assert.deepEqual(me.json().bank, { registered: true, scoring: 'SUCCEEDED' });
    const view = await deal(id);
    const atBank = await bank.client.getDeal(view.bankDealId);
    assert.deepEqual(
      atBank.steps.map((s) => [s.deponents[0]?.amount, s.recipients.length]),
      [
        [30_000n, 2],
        [70_000n, 2],
      ],
    );

    await pay(view.paymentPurpose, '1000');
    await until('the first milestone is paid', async () => (await deal(id)).milestones[0].status === 'paid');
    assert.equal((await bank.client.getDeal(view.bankDealId)).status, 'IN_PROGRESS');

    const confirmed = await h.as(`usr_payer${tag}`, ['customer'], {
      method: 'POST',
      url: `/v1/deals/${id}/milestones/${view.milestones[1].id}/confirm`,
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    await until('the deal is completed', async () => (await deal(id)).status === 'completed');
    const paid = await payouts(id);
    assert.deepEqual(
      paid.map((p) => [p.status, p.amount]).sort(),
      [
        ['SUCCEEDED', 21_000n],
        ['SUCCEEDED', 63_000n],
        ['SUCCEEDED', 7_000n],
        ['SUCCEEDED', 9_000n],
      ].sort(),
      'each payout paid once, for its share',
    );
    assert.equal((await bank.client.getDeal(view.bankDealId)).status, 'COMPLETED');
  });

  it('leaves a wrong amount and an unknown purpose unidentified, recorded once for operators', async () => {
    const tag = ++n;
    const r = await profile(`usr_a${tag}`, 'individual', PERSON_INN);
    const c = await profile(`usr_c${tag}`, 'company', COMPANY_INN);
    const id = await submittedDeal(`usr_payer${tag}`, [r, c, c]);
    await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
    const wrong = await pay((await deal(id)).paymentPurpose, '999.99');
    const unknown = await pay('For the flat, thanks', '1000');
    await round();
    await round();
    assert.equal((await deal(id)).status, 'awaiting_payment');
    const { rows } = await h.pool.query(
      'select operation_id, reason from bank_incoming_unmatched where operation_id = any($1) order by reason',
      [[wrong, unknown]],
    );
    assert.deepEqual(
      rows.map((x) => [x.operation_id, x.reason]),
      [
        [wrong, 'amount_mismatch'],
        [unknown, 'unknown_purpose'],
      ],
    );
    const still = (await bank.client.listUnidentifiedIncoming({ limit: 100 })).map((t) => t.operationId);
    assert.ok(still.includes(wrong) && still.includes(unknown));
  });

  it('a failed payout is retried to the new bank details and paid once', async () => {
    const tag = ++n;
    const a = await profile(`usr_a${tag}`, 'individual', PERSON_INN, OTHER_ACCOUNT);
    const b = await profile(`usr_b${tag}`, 'company', COMPANY_INN);
    const id = await submittedDeal(`usr_payer${tag}`, [a, b, b]);
    await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
    await bank.h.call('PUT', '/_sim/faults', { failingDetails: [OTHER_ACCOUNT] });
    await pay((await deal(id)).paymentPurpose, '1000');
    const failed = async () =>
      (await deal(id)).milestones[0].payouts.find((p: { status: string }) => p.status === 'failed');
    await until('a payout failed', async () => (await failed()) !== undefined);
    const payout = await failed();
    await bank.h.call('DELETE', '/_sim/faults');
    await profile(`usr_a${tag}`, 'individual', PERSON_INN, ACCOUNT);
    await until('the new details are at the bank', async () => {
      const { rows } = await h.pool.query(
        'select count(*)::int as n from bank_tasks where subject_id = $1 and status = $2',
        [a, 'pending'],
      );
      return rows[0].n === 0;
    });
    const retried = await h.as('usr_agent', ['agent'], {
      method: 'POST',
      url: `/v1/deals/${id}/payouts/${payout.id}/retry`,
    });
    assert.equal(retried.statusCode, 200, retried.body);
    await until('the first milestone is paid', async () => (await deal(id)).milestones[0].status === 'paid');
    const toA = (await payouts(id)).filter((p) => p.amount === BigInt(payout.amount));
    assert.deepEqual(
      toA.map((p) => p.status).sort(),
      ['FAILED', 'SUCCEEDED'],
      'paid once, after one failure',
    );
  });

  it('keeps its tasks while the bank fails every change, and finishes them once it is back', async () => {
    const tag = ++n;
    await bank.h.call('PUT', '/_sim/faults', { errorRate: 1, errorWhen: 'before' });
    const a = await profile(`usr_a${tag}`, 'individual', PERSON_INN);
    const b = await profile(`usr_b${tag}`, 'company', COMPANY_INN);
    const id = await submittedDeal(`usr_payer${tag}`, [a, b, b]);
    await round();
    await round();
    const { rows } = await h.pool.query(
      "select last_error from bank_tasks where subject_id = $1 and status = 'pending'",
      [a],
    );
    assert.match(String(rows[0]?.last_error), /Bank|500|unavailable/i);
    assert.equal((await deal(id)).status, 'submitted');
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /deals_bank_tasks_pending\{[^}]*stuck="false"[^}]*\} [1-9]/);
    await bank.h.call('DELETE', '/_sim/faults');
    await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
  });

  it('a payment notification makes deals ask the bank for its step; another type changes nothing; each is processed once', async () => {
    const tag = ++n;
    const a = await profile(`usr_a${tag}`, 'individual', PERSON_INN);
    const b = await profile(`usr_b${tag}`, 'company', COMPANY_INN);
    const id = await submittedDeal(`usr_payer${tag}`, [a, b, b]);
    await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
    await pay((await deal(id)).paymentPurpose, '1000');
    // Without the follower's polling: only notifications tell deals that the payments moved.
    await until(
      'the bank paid the first step',
      async () => (await payouts(id)).filter((p) => p.status === 'SUCCEEDED').length === 2,
      { follow: false },
    );
    assert.equal((await deal(id)).milestones[0].status, 'released');
    const [payment] = await payouts(id);
    const notify = async (notificationId: string, body: object) => {
      const raw = JSON.stringify({ notificationId, ...body });
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/bank/notifications',
        headers: signedHeaders(raw, { id: notificationId, atMs: h.clock.now().getTime() }),
        payload: raw,
      });
      assert.equal(res.statusCode, 200, res.body);
    };
    await notify(`ntf-${tag}-1`, { type: 'DEAL_ACCEPTED', objectId: (await deal(id)).bankDealId, data: {} });
    await notify(`ntf-${tag}-2`, {
      type: 'PAYMENT_SUCCEEDED',
      objectId: payment?.paymentId,
      status: 'SUCCEEDED',
      data: { stepId: payment?.stepId, dealId: payment?.dealId },
    });
    assert.equal(await parts().notificationsOnce(), 2);
    assert.equal((await deal(id)).milestones[0].status, 'paid');
    const { rows } = await h.pool.query(
      'select count(*)::int as n from bank_notification_outcomes where notification_id like $1 and processed_at is not null',
      [`ntf-${tag}-%`],
    );
    assert.equal(rows[0].n, 2);
    assert.equal(await parts().notificationsOnce(), 0, 'each is processed once');
  });

  it('money identified at the bank by a run that died before funding funds its deal on the next run', async () => {
    const tag = ++n;
    const a = await profile(`usr_a${tag}`, 'individual', PERSON_INN);
    const b = await profile(`usr_b${tag}`, 'company', COMPANY_INN);
    const id = await submittedDeal(`usr_payer${tag}`, [a, b, b]);
    await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
    const operationId = await pay((await deal(id)).paymentPurpose, '1000');
    // What a run does before it funds: the match recorded, the money identified to the payer.
    const { rows } = await h.pool.query('select beneficiary_id from bank_payers where user_id = $1', [
      `usr_payer${tag}`,
    ]);
    const payer = rows[0].beneficiary_id as string;
    await h.pool.query(
      `insert into bank_incoming_matched (operation_id, deal_id, amount, beneficiary_id, matched_at)
       values ($1, $2, 100000, $3, now())`,
      [operationId, id, payer],
    );
    await bank.client.identifyIncoming(
      operationId,
      [{ beneficiaryId: payer, amount: 100_000n }],
      nameBasedUuid(`identify-incoming\n${operationId}`),
    );
    assert.ok(
      !(await bank.client.listUnidentifiedIncoming({ limit: 100 })).some(
        (t) => t.operationId === operationId,
      ),
    );
    assert.equal(await parts().fundOnce(), 1);
    assert.notEqual((await deal(id)).status, 'awaiting_payment', 'funded');
    assert.equal((await bank.client.getBalance(payer))?.amount, 100_000n, 'identified once');
  });
});
