/**
 * The self-employed payout worker against the real bank sandbox: a self-employed recipient's share held
 * while the bank answers their NPD status other than ACTIVE (the other recipient paid meanwhile), paid once
 * when it is ACTIVE again, its receipt registered and issued, and annulled later — flagged on the deal.
 * And a payout that would take the recipient over the yearly limit waits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Bank, startBank } from '@strongbox/bank-client/test-support';
import { runBankTasks } from '../features/bank-tasks/handler.ts';
import { type Harness, PERSON_INN, startDeals } from '../test-support.ts';

const ROUNDS_MAX = 80;
let bank: Bank;
let h: Harness;
let n = 0;
/** People's INNs whose control digits are right, one per test, known to no other test. */
const INNS = ['770000900196', '770000900260', '770000900333'];

before(async () => {
  bank = await startBank();
  const sim = bank.h.sim.clock;
  h = await startDeals({
    bank: {
      // The self-employed API's 1 call a second is kept on the sandbox's clock, which waiting moves on.
      client: bank.clientWith({ clock: sim, sleep: async (ms) => sim.advance(ms) }),
      nominalAccount: '40702810500000000001',
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

/** Every worker and job once, then the bank's time and ours move on past any backoff. */
async function round(): Promise<void> {
  const quietly = (run: () => Promise<number>) => run().catch(() => 0);
  await runBankTasks(parts().tasks);
  await quietly(parts().fundOnce);
  await quietly(parts().followOnce);
  await quietly(parts().selfEmployedOnce);
  await bank.tick();
  h.clock.advance(10 * 60_000);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < ROUNDS_MAX; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await round();
  }
  assert.fail(`never came true: ${what}`);
}

/** A payout profile of `legalType` with `inn`. */
const profile = (userId: string, legalType: string, inn: string) =>
  h.recipient(userId, { legalType, inn, name: 'Ivanova Anna' });

const deal = async (id: string) =>
  (await h.as('usr_agent', ['agent'], { method: 'GET', url: `/v1/deals/${id}` })).json();
const myPayouts = async (userId: string) =>
  (await h.as(userId, ['customer'], { method: 'GET', url: '/v1/recipients/me/payouts' })).json().data;
const setNpd = async (inn: string, status: string) => {
  const r = await bank.h.call('PUT', `/_sim/self-employed/recipients/${inn}/npd-status`, { status });
  assert.equal(r.status, 200, r.text);
};

/** A funded deal of one immediate milestone, half to a person, half to a self-employed recipient. */
async function fundedDeal(tag: number, freelancer: string, amount = 10_000) {
  const agent = await profile(`usr_p${tag}`, 'individual', PERSON_INN);
  const created = await h.as('usr_agent', ['agent'], {
    method: 'POST',
    url: '/v1/deals',
    payload: {
      title: 'Design',
      payerId: `usr_payer${tag}`,
      milestones: [
        {
          title: 'All of it',
          amount,
          release: { kind: 'immediate' },
          recipients: [
            { recipientId: agent, share: { percentBp: 5_000 } },
            { recipientId: freelancer, share: { percentBp: 5_000 } },
          ],
        },
      ],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/submit` });
  const awaiting = await until('awaiting payment', async () => {
    const d = await deal(id);
    return d.status === 'awaiting_payment' ? d : undefined;
  });
  const rubles = `${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')}`;
  const paid = await bank.h.call(
    'POST',
    '/_sim/incoming',
    `{"amount":${rubles},"purpose":${JSON.stringify(awaiting.paymentPurpose)}}`,
  );
  assert.equal(paid.status, 201, paid.text);
  return id;
}

const payoutsOf = (d: { milestones: Array<{ payouts: Array<Record<string, unknown>> }> }) =>
  d.milestones[0]!.payouts as Array<{ id: string; status: string; hold: unknown; receipt: unknown }>;

describe('the self-employed payout worker', () => {
  it('holds the payout while NPD is not ACTIVE, pays it once when ACTIVE again, follows its receipt to an annulment', async () => {
    const tag = ++n;
    const inn = INNS[tag - 1]!;
    const freelancer = await profile(`usr_se${tag}`, 'self_employed', inn);
    await setNpd(inn, 'NOT_ACTIVE');
    const id = await fundedDeal(tag, freelancer);
    const held = await until('the self-employed payout held, the other paid', async () => {
      const d = await deal(id);
      const [other, mine] = payoutsOf(d);
      return other?.status === 'paid' && mine?.status === 'held' ? d : undefined;
    });
    const payoutId = payoutsOf(held)[1]!.id;
    assert.deepEqual(payoutsOf(held)[1]!.hold, {
      reason: 'npd_not_active',
      detail: 'The NPD status at the bank is NOT_ACTIVE, not ACTIVE',
    });
    const listed = (await myPayouts(`usr_se${tag}`))[0];
    assert.deepEqual([listed.id, listed.status, listed.hold.reason], [payoutId, 'held', 'npd_not_active']);
    const me = await h.as(`usr_se${tag}`, ['customer'], { method: 'GET', url: '/v1/recipients/me' });
    assert.equal(me.json().npdStatus, 'NOT_ACTIVE', 'the profile shows what the last check saw');
    assert.ok(me.json().npdCheckedAt);
    // Checked again and again while held: never paid, and the hold is recorded once.
    for (let i = 0; i < 5; i++) await round();
    const still = await h.pool.query('select payment_id from bank_payouts where payout_id = $1', [payoutId]);
    assert.equal(still.rows[0].payment_id, null, 'nothing paid out while held');
    const holds = await h.pool.query(
      "select count(*)::int as n from events where stream_id = $1 and type = 'deal.payout_held'",
      [id],
    );
    assert.equal(holds.rows[0].n, 1);

    await setNpd(inn, 'ACTIVE');
    const done = await until('the deal completed', async () => {
      const d = await deal(id);
      return d.status === 'completed' ? d : undefined;
    });
    assert.deepEqual([payoutsOf(done)[1]!.status, payoutsOf(done)[1]!.hold], ['paid', null]);
    const out = await h.pool.query('select payment_id from bank_payouts where payout_id = $1', [payoutId]);
    const payment = await bank.client.getPayment(out.rows[0].payment_id);
    assert.deepEqual([payment.status, payment.amount], ['SUCCEEDED', 5_000n]);
    const regular = await bank.h.pool.query(
      "select count(*)::int as n from payments where kind = 'REGULAR' and purpose like $1",
      [`%${payoutId}%`],
    );
    assert.equal(regular.rows[0].n, 1, 'paid once');

    const receipt = await until('the receipt issued', async () => {
      const p = (await myPayouts(`usr_se${tag}`))[0];
      return p.receipt?.status === 'SUCCESS' ? p.receipt : undefined;
    });
    assert.ok(receipt.receiptNumber);
    const { rows } = await h.pool.query('select registry_id from npd_payouts where payout_id = $1', [
      payoutId,
    ]);
    const annulled = await bank.h.call(
      'POST',
      `/_sim/self-employed/payment-registry/${rows[0].registry_id}/receipts/1/cancel`,
    );
    assert.equal(annulled.status, 200, annulled.text);
    // The issued receipt is read again after its watch interval.
    h.clock.advance(7 * 3_600_000);
    await until('the annulment seen', async () => {
      const p = (await myPayouts(`usr_se${tag}`))[0];
      return p.receipt?.status === 'CANCELED' ? true : undefined;
    });
    const flagged = await h.pool.query(
      "select count(*)::int as n from events where stream_id = $1 and type = 'deal.receipt_cancelled'",
      [id],
    );
    assert.equal(flagged.rows[0].n, 1, 'flagged once for operators');
  });

  it('holds a payout that would take the recipient over 2,400,000 RUB this year, with the amounts', async () => {
    const tag = ++n;
    const inn = INNS[tag - 1]!;
    const freelancer = await profile(`usr_se${tag}`, 'self_employed', inn);
    // Paid this year already, by our own records: 2,399,990.00 RUB.
    await h.pool.query(
      `insert into recipient_payouts (payout_id, recipient_id, deal_id, deal_title, deal_status, milestone_id,
         milestone_title, amount, status, paid_at, deal_version, updated_at)
       values ($1, $2, 'deal_earlier', 'Earlier', 'completed', 'mst_earlier', 'Earlier', 239999000, 'paid',
         $3, 1, $3)`,
      [`pay_earlier_${tag}`, freelancer, h.clock.now()],
    );
    const id = await fundedDeal(tag, freelancer, 10_000);
    const held = await until('held over the limit', async () => {
      const mine = payoutsOf(await deal(id))[1];
      return mine?.status === 'held' ? mine : undefined;
    });
    assert.deepEqual(held.hold, {
      reason: 'npd_year_limit',
      detail: 'Paid this year 2399990 RUB; with this payout 2400040 RUB, above the 2400000 RUB limit',
    });
  });

  it('stops following the payout of a deal cancelled before its step was paid', async () => {
    const tag = ++n;
    const freelancer = await profile(`usr_se${tag}`, 'self_employed', INNS[tag - 1]!);
    const agent = await profile(`usr_p${tag}`, 'individual', PERSON_INN);
    const created = await h.as('usr_agent', ['agent'], {
      method: 'POST',
      url: '/v1/deals',
      payload: {
        title: 'Design',
        payerId: `usr_payer${tag}`,
        milestones: [
          {
            title: 'All of it',
            amount: 10_000,
            release: { kind: 'immediate' },
            recipients: [
              { recipientId: agent, share: { percentBp: 5_000 } },
              { recipientId: freelancer, share: { percentBp: 5_000 } },
            ],
          },
        ],
      },
    });
    const id = created.json().id as string;
    await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/submit` });
    await until('awaiting payment', async () =>
      (await deal(id)).status === 'awaiting_payment' ? true : undefined,
    );
    const stage = async () =>
      (await h.pool.query('select stage from npd_payouts where deal_id = $1', [id])).rows[0]?.stage;
    assert.equal(await stage(), 'landing');
    const cancelled = await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/cancel` });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    await until('closed', async () => ((await stage()) === 'closed' ? true : undefined));
  });
});
