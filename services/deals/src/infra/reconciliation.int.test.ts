/**
 * Reconciliation against the real bank sandbox (started in-process, on a free port it cannot notify: every
 * notification of this run is lost). Without the payout follower and without notifications, only
 * reconciliation brings the deal to its final state; a deal the bank cancelled behind deals' back becomes
 * a finding operators see, and the finding closes once deals agrees.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Bank, startBank } from '@strongbox/bank-client/test-support';
import type { Logger } from '@strongbox/kernel';
import { Registry } from 'prom-client';
import { followStep } from '../features/bank-notification-processing/job.ts';
import { runBankTasks } from '../features/bank-tasks/handler.ts';
import { reconciliationParts } from '../reconciliation-parts.ts';
import { COMPANY_INN, type Harness, PERSON_INN, startDeals } from '../test-support.ts';
import { dealStore } from '../wiring.ts';
import { payoutWatch } from './bank-payout-watch.ts';

const NOMINAL = '40702810500000000001';
const ROUNDS_MAX = 60;
const MINUTE = 60_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

let bank: Bank;
let h: Harness;
let n = 0;

before(async () => {
  bank = await startBank();
  h = await startDeals({
    bank: {
      client: bank.clientWith({ breakerHalfOpenAfterMs: 100 }),
      nominalAccount: NOMINAL,
      tasksPollMs: 1_000,
      // The kit's jobs never fire on their own here: the test runs each part when it means to.
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

/** Tasks and funding move on, the bank's time too; the payout follower never runs, no notification comes. */
async function round(): Promise<void> {
  await runBankTasks(parts().tasks);
  await parts()
    .fundOnce()
    .catch(() => 0);
  await parts()
    .notificationsOnce()
    .catch(() => 0);
  await new Promise((r) => setTimeout(r, 20));
  await bank.tick();
  h.clock.advance(MINUTE);
}

async function until(what: string, holds: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < ROUNDS_MAX; i++) {
    if (await holds()) return;
    await round();
  }
  assert.fail(`never came true: ${what}`);
}

/** A payout profile of `legalType` with `inn`. */
const profile = (userId: string, legalType: string, inn: string) =>
  h.recipient(userId, { legalType, inn, name: `Petrov ${userId}` });

const deal = (id: string) => h.deal(id);

/** Two milestones (immediate, then the payer confirms), paid to two recipients, submitted. */
async function submittedDeal(payerId: string, a: string, b: string): Promise<string> {
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
            { recipientId: a, share: { percentBp: 7_000 } },
            { recipientId: b, share: { percentBp: 3_000 } },
          ],
        },
        {
          title: 'Keys',
          amount: 70_000,
          release: { kind: 'payer_confirms' },
          recipients: [{ recipientId: a, share: { percentBp: 10_000 } }],
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

async function paidAtBank(dealId: string): Promise<number> {
  const bankDealId = (await deal(dealId)).bankDealId as string;
  let paid = 0;
  for (const s of await bank.client.listSteps(bankDealId))
    paid += (await bank.client.listStepPayments(bankDealId, s.stepId)).filter(
      (p) => p.status === 'SUCCEEDED',
    ).length;
  return paid;
}

/** A reconciliation run as the service runs it, but asking only about what waited longer than `afterMs`. */
const reconcileWaitingFor = (afterMs: number) =>
  reconciliationParts({
    pool: h.pool,
    clock: h.clock,
    logger: silent,
    registry: new Registry(),
    bank: bank.client,
    followStep: (stepId) =>
      followStep(
        {
          watch: payoutWatch({ pool: h.pool, bank: bank.client }),
          deals: dealStore(h.pool, h.clock),
          logger: silent,
        },
        stepId,
      ),
    settings: { afterMs },
  }).reconcileOnce();

describe('reconciliation against the bank sandbox', () => {
  it('brings a deal whose notifications were all lost to its final state', async () => {
    const tag = ++n;
    const a = await profile(`usr_a${tag}`, 'individual', PERSON_INN);
    const b = await profile(`usr_b${tag}`, 'company', COMPANY_INN);
    const id = await submittedDeal(`usr_payer${tag}`, a, b);
    await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
    const view = await deal(id);
    const paid = await bank.h.call(
      'POST',
      '/_sim/incoming',
      `{"amount":1000,"purpose":"${view.paymentPurpose}"}`,
    );
    assert.equal(paid.status, 201, paid.text);

    await until('the bank paid the first step', async () => (await paidAtBank(id)) === 2);
    assert.equal((await deal(id)).milestones[0].status, 'released', 'deals was never told');
    const { rows: told } = await h.pool.query('select count(*)::int as n from bank_notification_outcomes');
    assert.equal(told[0].n, 0, 'no notification reached deals');

    const early = await reconcileWaitingFor(24 * 60 * MINUTE);
    assert.deepEqual([early.ran, early.steps], [true, 0], 'nothing has waited a day yet');
    assert.equal((await deal(id)).milestones[0].status, 'released');

    h.clock.advance(11 * MINUTE);
    const first = await parts().reconcileOnce();
    assert.equal(first.outcomes, 2, "both payouts recorded from the bank's answer");
    assert.equal((await deal(id)).milestones[0].status, 'paid');

    const confirmed = await h.as(`usr_payer${tag}`, ['customer'], {
      method: 'POST',
      url: `/v1/deals/${id}/milestones/${view.milestones[1].id}/confirm`,
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    await until('the bank paid the second step', async () => (await paidAtBank(id)) === 3);
    assert.equal((await deal(id)).status, 'releasing');

    h.clock.advance(11 * MINUTE);
    await parts().reconcileOnce();
    assert.equal((await deal(id)).status, 'completed');
    assert.equal((await bank.client.getDeal(view.bankDealId)).status, 'COMPLETED');

    // Balance is not part of this test: its movements are taken as made, so the deal is quiet.
    await h.pool.query("update ledger_tasks set status = 'done', done_at = now() where deal_id = $1", [id]);
    h.clock.advance(11 * MINUTE);
    const last = await parts().reconcileOnce();
    assert.ok(last.deals >= 1, 'the completed deal is compared once more');
    const { rows } = await h.pool.query(
      'select count(*)::int as n from reconciliation_findings where subject = $1',
      [id],
    );
    assert.equal(rows[0].n, 0, 'deals and the bank agree');
  });

  it('records a deal the bank cancelled as a finding operators see, and closes it once deals agrees', async () => {
    const tag = ++n;
    const a = await profile(`usr_a${tag}`, 'individual', PERSON_INN);
    const b = await profile(`usr_b${tag}`, 'company', COMPANY_INN);
    const id = await submittedDeal(`usr_payer${tag}`, a, b);
    await until('the deal awaits payment', async () => (await deal(id)).status === 'awaiting_payment');
    await bank.client.cancelDeal((await deal(id)).bankDealId);

    h.clock.advance(11 * MINUTE);
    assert.equal((await parts().reconcileOnce()).recorded, 1);
    const list = async (query: string) => {
      const res = await h.as('usr_ops', ['operator'], {
        method: 'GET',
        url: `/v1/admin/reconciliation${query}`,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data.filter((f: { dealId: string }) => f.dealId === id);
    };
    const [open] = await list('?status=open');
    assert.deepEqual(
      [open.kind, open.ours, open.bank, open.status],
      ['deal_state', { status: 'awaiting_payment' }, { status: 'CANCELLED' }, 'open'],
    );
    const queued = async () => {
      const res = await h.as('usr_ops', ['operator'], { method: 'GET', url: '/v1/admin/deals/queue' });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data.filter((i: { dealId: string }) => i.dealId === id);
    };
    assert.deepEqual(
      (await queued()).map((i: { kind: string; reason: string }) => [i.kind, i.reason.split(':')[0]]),
      [['reconciliation', 'deal_state']],
      "the finding is in the operators' queue",
    );
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /deals_reconciliation_findings_open\{[^}]*kind="deal_state"[^}]*\} 1/);
    assert.match(metrics.body, /deals_reconciliation_findings_total\{[^}]*kind="deal_state"[^}]*\} 1/);

    h.clock.advance(6 * MINUTE);
    assert.equal((await parts().reconcileOnce()).recorded, 0, 'found again, not recorded again');

    const cancelled = await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/cancel` });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    await until('the cancel is done at the bank', async () => {
      const { rows } = await h.pool.query(
        "select count(*)::int as n from bank_tasks where deal_id = $1 and status = 'pending'",
        [id],
      );
      return rows[0].n === 0;
    });
    h.clock.advance(11 * MINUTE);
    assert.equal((await parts().reconcileOnce()).resolved, 1);
    assert.deepEqual(await list('?status=open'), []);
    assert.deepEqual(await queued(), [], 'and leaves the queue with it');
    const [resolved] = await list('?status=resolved');
    assert.equal(resolved.id, open.id);
    assert.ok(resolved.resolvedAt);
  });
});
