/**
 * End to end, through the gateway with the bank sandbox as the bank: a deal cancelled before it is funded
 * is cancelled at the bank too, and money its payer sends afterwards is never put on it; a payout the bank
 * fails (the recipient's account refuses it) is paid once after the recipient gives new bank details and
 * the agent retries it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRubles, withControlKey } from '@strongbox/kernel';
import {
  as,
  BANK_DETAILS,
  call,
  dealIn,
  dealOf,
  dealsDb,
  type Parties,
  payerPays,
  paymentsAtBank,
  sandboxDb,
  setUp,
  sim,
  startDealsSystem,
  stopDealsSystem,
  submit,
  user,
  waitFor,
} from './deals-support.ts';

const BOUNDED = { timeout: 300_000 };
const PERSON_INN = '500100732259';
/** An account the sandbox is told to refuse payouts to, and the one its owner moves to. */
const REFUSING = withControlKey('40817810000000000123', BANK_DETAILS.bik);
const WORKING = withControlKey('40817810000000000456', BANK_DETAILS.bik);

before(() => startDealsSystem('e2erecover'), { timeout: 600_000 });
after(() => stopDealsSystem());

describe('deals that do not go as planned', () => {
  it(
    'cancelled before funding: cancelled at the bank, and money sent afterwards is not put on it',
    BOUNDED,
    async () => {
      const p = await setUp();
      const id = await submit(p, [[50_000, 'immediate', [[0, 10_000]]]]);
      const waiting = await dealIn(p, id, 'awaiting_payment');
      const cancelled = await call('POST', `/v1/deals/${id}/cancel`, { headers: as(p.agent.token) });
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.body.status, 'cancelled');
      await waitFor('the bank deal cancelled', async () => {
        const { rows } = await sandboxDb.query('select status from deals where id = $1', [
          waiting.bankDealId,
        ]);
        return rows[0]?.status === 'CANCELLED' ? true : undefined;
      });
      // The payer's bank sends the money all the same, with the deal's purpose.
      const sent = await sim(
        'POST',
        '/incoming',
        `{"amount":${formatRubles(BigInt(waiting.amount))},"purpose":${JSON.stringify(waiting.paymentPurpose)}}`,
      );
      assert.equal(sent.status, 201, sent.text);
      const unmatched = await waitFor('the money recorded as matching no deal', async () => {
        const { rows } = await dealsDb.query(
          'select reason from bank_incoming_unmatched where purpose = $1',
          [waiting.paymentPurpose],
        );
        return rows[0]?.reason as string | undefined;
      });
      assert.equal(unmatched, 'deal_not_awaiting_payment');
      const deal = await dealOf(p, id);
      assert.deepEqual([deal.status, deal.heldAmount], ['cancelled', 0]);
      const events = await call('GET', `/v1/deals/${id}/events`, { headers: as(p.payer.token) });
      assert.equal(events.status, 200, events.text);
      assert.ok(!events.body.data.some((e: { type: string }) => e.type === 'deal.funded'), 'never funded');
    },
  );

  it('a payout the bank fails: new bank details, the agent retries, paid once', BOUNDED, async () => {
    const base = await setUp();
    const owner = await user('recipient-moving');
    const refusing = await sim('PUT', '/faults', { failingDetails: [REFUSING] });
    assert.equal(refusing.status, 200, refusing.text);
    const rcp = await call('POST', '/v1/recipients', {
      headers: as(owner.token),
      body: {
        legalType: 'individual',
        name: 'Petrova Olga',
        inn: PERSON_INN,
        bankDetails: { accountNumber: REFUSING, bik: BANK_DETAILS.bik },
      },
    });
    assert.equal(rcp.status, 201, rcp.text);
    const p: Parties = { ...base, recipients: [rcp.body.id, base.recipients[1], base.recipients[2]] };
    const id = await submit(p, [[30_000, 'immediate', [[0, 10_000]]]]);
    await payerPays(p, id);
    const failed = await waitFor('the payout failed at the bank', async () => {
      const d = await dealOf(p, id);
      return d.milestones[0].payouts[0].status === 'failed' ? d : undefined;
    });
    const payout = failed.milestones[0].payouts[0];
    assert.ok(payout.failure, 'the bank said why');
    const early = await call('POST', `/v1/deals/${id}/payouts/${payout.id}/retry`, {
      headers: as(p.payer.token),
    });
    assert.equal(early.status, 403, 'only the agent retries');

    // The recipient moves their payouts to another account; deals tells the bank.
    const moved = await call('POST', '/v1/recipients', {
      headers: as(owner.token),
      body: {
        legalType: 'individual',
        name: 'Petrova Olga',
        inn: PERSON_INN,
        bankDetails: { accountNumber: WORKING, bik: BANK_DETAILS.bik },
      },
    });
    assert.equal(moved.status, 200, moved.text);
    await waitFor('the new bank details at the bank', async () => {
      const { rows } = await dealsDb.query(
        "select count(*)::int as n from bank_tasks where subject_id = $1 and status = 'pending'",
        [rcp.body.id],
      );
      return rows[0].n === 0 ? true : undefined;
    });
    const retried = await call('POST', `/v1/deals/${id}/payouts/${payout.id}/retry`, {
      headers: as(p.agent.token),
    });
    assert.equal(retried.status, 200, retried.text);
    const done = await dealIn(p, id, 'completed');
    assert.equal(done.milestones[0].payouts[0].status, 'paid');
    const payments = await paymentsAtBank(done.bankDealId);
    assert.deepEqual(
      payments.map((x) => x.status).sort(),
      ['FAILED', 'SUCCEEDED'],
      'one refused, one paid: never paid twice',
    );
    assert.ok(payments.every((x) => x.amount === '30000'));
    const again = await call('POST', `/v1/deals/${id}/payouts/${payout.id}/retry`, {
      headers: as(p.agent.token),
    });
    assert.deepEqual([again.status, again.body.code], [409, 'payout_not_failed']);
  });
});
