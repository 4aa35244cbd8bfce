/**
 * End to end: a deal's money through the bank sandbox, as `npm start` runs them, behind the gateway. An
 * agent's deal of two milestones split between three recipients (one a company, one self-employed) is paid
 * by its payer into the nominal account, found and accepted at the bank, released and paid out (and its
 * mirror in balance settled, the ledger audit clean); then the
 * bank fails every change for a while and the deals still finish; then deals is killed with SIGKILL during
 * payouts and, restarted, pays nothing twice (the sandbox's own payment rows are counted); then a payer's
 * dispute shows in the operators' queue and is resolved by a partial refund, which the bank's deal, the
 * payer's virtual account and the ledger all show; then the self-employed recipient loses their NPD
 * status mid-deal: their payout is held with its reason while the others are paid, and is paid once, with
 * its receipt, when the status is ACTIVE again.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  adminToken,
  as,
  call,
  dealIn,
  dealOf,
  dealsDb,
  myPayouts,
  PERSON_INN,
  payerPays,
  paymentsAtBank,
  ROOT,
  receiptIssued,
  sandboxDb,
  setUp,
  sim,
  startDealsSystem,
  stopDealsSystem,
  submit,
  system,
  waitFor,
} from './deals-support.ts';

const BOUNDED = { timeout: 300_000 };
let restarted: ChildProcess | undefined;

before(() => startDealsSystem('e2epayout'), { timeout: 600_000 });
after(async () => {
  if (restarted && restarted.exitCode === null) {
    const exited = new Promise((r) => restarted?.once('exit', r));
    restarted.kill('SIGTERM');
    await exited;
  }
  await stopDealsSystem();
});

describe('a deal paid out through the bank sandbox', () => {
  it(
    'two milestones, four recipients (one self-employed, one the platform fee): funded, released, paid out and completed',
    BOUNDED,
    async () => {
      const p = await setUp();
      const id = await submit(p, [
        [
          40_000,
          'immediate',
          [
            [0, 6_000],
            [1, 4_000],
          ],
        ],
        [
          60_000,
          'payer_confirms',
          [
            [0, 4_900],
            [2, 5_000],
            // 1 % of 600.00 is 6.00, below the development minimum of 100.00: the fee is 100.00.
            ['platform_fee', 100],
          ],
        ],
      ]);
      await payerPays(p, id);
      const first = await waitFor('the first milestone paid', async () => {
        const d = await dealOf(p, id);
        return d.milestones[0].status === 'paid' ? d : undefined;
      });
      assert.equal(first.status, 'releasing');
      const confirmed = await call('POST', `/v1/deals/${id}/milestones/${first.milestones[1].id}/confirm`, {
        headers: as(p.payer.token),
      });
      assert.equal(confirmed.status, 200, confirmed.text);
      const done = await dealIn(p, id, 'completed');
      assert.deepEqual(
        (await paymentsAtBank(done.bankDealId)).map((x) => [x.status, x.amount]),
        [
          ['SUCCEEDED', '10000'],
          ['SUCCEEDED', '16000'],
          ['SUCCEEDED', '24000'],
          ['SUCCEEDED', '24747'],
          ['SUCCEEDED', '25253'],
        ],
      );
      // The fee went to the platform's configured profile, which deals kept at start.
      const platform = await dealsDb.query(
        "select recipient_id, role from recipients where user_id = 'usr_platform'",
      );
      assert.deepEqual(
        [
          done.milestones[1].payouts[2].recipientId,
          done.milestones[1].payouts[2].amount,
          platform.rows[0]?.role,
        ],
        [platform.rows[0]?.recipient_id, 10_000, 'platform_fee'],
      );
      // Mirrored in balance: once the ledger tasks are done the deal's escrow is empty and the audit clean.
      const escrow = await waitFor('the ledger mirror to catch up', async () => {
        const pending = await dealsDb.query(
          "select count(*)::int as n from ledger_tasks where deal_id = $1 and status = 'pending'",
          [id],
        );
        if (pending.rows[0].n !== 0) return undefined;
        const acc = await dealsDb.query('select account_id from ledger_accounts where subject = $1', [
          `escrow:${id}`,
        ]);
        return acc.rows[0]?.account_id as string | undefined;
      });
      const account = await call('GET', `/v1/accounts/${escrow}`, { headers: as(adminToken) });
      assert.deepEqual([account.status, account.body.balance], [200, 0], account.text);
      const audit = await call('GET', '/v1/ledger/audit', { headers: as(adminToken) });
      assert.deepEqual([audit.status, audit.body.ok], [200, true], audit.text);
      // The self-employed recipient's receipt, registered through the bank's self-employed API.
      await receiptIssued(p, done.milestones[1].payouts[1].id);
    },
  );

  it(
    'the bank failing every change for a while: the circuit opens, the tasks wait and the deal still completes',
    BOUNDED,
    async () => {
      const p = await setUp();
      // The bank down: every call hangs 2 s and answers 504, every change 500s as well.
      const faults = await sim('PUT', '/faults', {
        timeoutRate: 1,
        timeoutMs: 2_000,
        timeoutWhen: 'before',
        errorRate: 1,
        errorWhen: 'before',
      });
      assert.equal(faults.status, 200, faults.text);
      let id: string;
      try {
        id = await submit(p, [
          [
            10_000,
            'immediate',
            [
              [0, 5_000],
              [1, 5_000],
            ],
          ],
        ]);
        // The bank client's circuit opens after consecutive failures (deals' own metrics say so).
        await waitFor('the circuit to the bank open', async () => {
          const text = await (await fetch(`${system.urls.deals}/metrics`)).text();
          return /^deals_bank_breaker_opened_total(\{[^}]*\})? [1-9]/m.test(text) ? true : undefined;
        });
        assert.equal((await dealOf(p, id)).status, 'submitted', 'not at the bank while it fails');
      } finally {
        assert.equal((await sim('DELETE', '/faults')).status, 200);
      }
      await payerPays(p, id);
      const done = await dealIn(p, id, 'completed');
      assert.equal((await paymentsAtBank(done.bankDealId)).length, 2);
    },
  );

  it(
    'deals killed with SIGKILL during payouts: after the restart nothing is paid twice',
    BOUNDED,
    async () => {
      const p = await setUp();
      const id = await submit(p, [
        [
          90_000,
          'immediate',
          [
            [0, 4_000],
            [1, 3_000],
            [2, 3_000],
          ],
        ],
      ]);
      await payerPays(p, id);
      // Killed once the bank has started paying the step and before deals has recorded every payout.
      const released = await waitFor('payouts under way at the bank', async () => {
        const d = await dealOf(p, id);
        if (d.milestones[0].status !== 'released' || !d.bankDealId) return undefined;
        return (await paymentsAtBank(d.bankDealId)).length > 0 ? d : undefined;
      });
      const pid = system.pids.deals;
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await waitFor('deals to be gone', async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      });
      restarted = spawn(process.execPath, [resolve(ROOT, 'services/deals/src/main.ts')], {
        cwd: ROOT,
        env: { ...system.env },
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      });
      await waitFor('deals to be ready again', async () => {
        if (restarted?.exitCode !== null)
          throw new Error(`deals exited with ${restarted?.exitCode} on restart`);
        try {
          const r = await fetch(`${system.urls.deals}/ready`, { signal: AbortSignal.timeout(2_000) });
          return r.ok ? true : undefined;
        } catch {
          return undefined;
        }
      });
      const done = await dealIn(p, id, 'completed');
      assert.equal(done.bankDealId, released.bankDealId);
      assert.deepEqual(
        (await paymentsAtBank(done.bankDealId)).map((x) => [x.status, x.amount]),
        [
          ['SUCCEEDED', '27000'],
          ['SUCCEEDED', '27000'],
          ['SUCCEEDED', '36000'],
        ],
        'one payment per payout',
      );
    },
  );

  it(
    "dispute then partial refund: in the operators' queue, resolved, the bank deal reduced, the rest paid",
    BOUNDED,
    async () => {
      const p = await setUp();
      const id = await submit(p, [
        [
          40_000,
          'payer_confirms',
          [
            [0, 6_000],
            [1, 4_000],
          ],
        ],
        [
          60_000,
          'payer_confirms',
          [
            [0, 5_000],
            [2, 5_000],
          ],
        ],
      ]);
      const balance = async () => {
        const payer = await dealsDb.query('select beneficiary_id from bank_payers where user_id = $1', [
          p.payer.id,
        ]);
        const { rows } = await sandboxDb.query(
          'select amount::text, amount_on_hold::text as hold from balances where beneficiary_id = $1',
          [payer.rows[0].beneficiary_id],
        );
        return { amount: BigInt(rows[0]?.amount ?? 0), hold: BigInt(rows[0]?.hold ?? 0) };
      };
      await payerPays(p, id);
      const funded = await dealIn(p, id, 'funded');
      const before = await waitFor('the deal accepted at the bank', async () => {
        const { rows } = await sandboxDb.query('select status from deals where id = $1', [funded.bankDealId]);
        return rows[0]?.status === 'ACCEPTED' ? balance() : undefined;
      });
      const opened = await call('POST', `/v1/deals/${id}/disputes`, {
        headers: as(p.payer.token),
        body: { reason: 'The flat was not as described' },
      });
      assert.equal(opened.status, 201, opened.text);
      const queued = await call('GET', '/v1/admin/deals/queue?limit=100', { headers: as(adminToken) });
      assert.equal(queued.status, 200, queued.text);
      assert.deepEqual(
        queued.body.data
          .filter((i: { dealId: string }) => i.dealId === id)
          .map((i: { kind: string; reason: string }) => [i.kind, i.reason]),
        [['dispute', 'The flat was not as described']],
      );
      const resolved = await call('POST', `/v1/deals/${id}/disputes/${opened.body.dispute.id}/resolve`, {
        headers: as(adminToken),
        body: { outcome: 'partial_refund', amount: 25_000 },
      });
      assert.equal(resolved.status, 200, resolved.text);
      assert.equal(resolved.body.status, 'partially_refunded');
      // Taken from the last milestone, split again 50/50: its step at the bank holds and pays 350.00.
      const steps = await waitFor('the bank deal reduced and accepted again', async () => {
        const { rows } = await sandboxDb.query(
          `select s.position, d.amount::text as deposit,
             (select string_agg(r.amount::text, ',' order by r.amount) from recipients r where r.step_id = s.id)
               as recipients
           from steps s join deponents d on d.step_id = s.id join deals x on x.id = s.deal_id
           where s.deal_id = $1 and x.status = 'ACCEPTED' order by s.position`,
          [funded.bankDealId],
        );
        return rows.length === 2 && rows[1].deposit === '35000' ? rows : undefined;
      });
      assert.deepEqual(
        steps.map((r) => [r.deposit, r.recipients]),
        [
          ['40000', '16000,24000'],
          ['35000', '17500,17500'],
        ],
      );
      const reduced = await balance();
      assert.deepEqual(
        [reduced.amount - before.amount, before.hold - reduced.hold],
        [25_000n, 25_000n],
        "the refund is back on the payer's virtual account, free",
      );
      const open = await call('GET', '/v1/admin/deals/queue?limit=100', { headers: as(adminToken) });
      assert.ok(
        !open.body.data.some((i: { dealId: string }) => i.dealId === id),
        'the dispute left the queue',
      );

      for (const m of resolved.body.milestones) {
        const confirmed = await call('POST', `/v1/deals/${id}/milestones/${m.id}/confirm`, {
          headers: as(p.payer.token),
        });
        assert.equal(confirmed.status, 200, confirmed.text);
      }
      const done = await dealIn(p, id, 'completed');
      assert.deepEqual(
        (await paymentsAtBank(done.bankDealId)).map((x) => [x.status, x.amount]),
        [
          ['SUCCEEDED', '16000'],
          ['SUCCEEDED', '17500'],
          ['SUCCEEDED', '17500'],
          ['SUCCEEDED', '24000'],
        ],
      );
      const settled = await balance();
      assert.deepEqual([settled.amount - before.amount, settled.hold], [25_000n, before.hold - 100_000n]);
      const escrow = await waitFor('the ledger mirror to catch up', async () => {
        const pending = await dealsDb.query(
          "select count(*)::int as n from ledger_tasks where deal_id = $1 and status = 'pending'",
          [id],
        );
        if (pending.rows[0].n !== 0) return undefined;
        const acc = await dealsDb.query('select account_id from ledger_accounts where subject = $1', [
          `escrow:${id}`,
        ]);
        return acc.rows[0]?.account_id as string | undefined;
      });
      const account = await call('GET', `/v1/accounts/${escrow}`, { headers: as(adminToken) });
      assert.deepEqual([account.status, account.body.balance], [200, 0], account.text);
      const audit = await call('GET', '/v1/ledger/audit', { headers: as(adminToken) });
      assert.deepEqual([audit.status, audit.body.ok], [200, true], audit.text);
    },
  );

  it(
    'a self-employed recipient losing NPD status mid-deal: held with the reason, the others paid; ACTIVE again, paid once, receipt fetched',
    BOUNDED,
    async () => {
      const p = await setUp();
      const id = await submit(p, [
        [
          20_000,
          'immediate',
          [
            [0, 5_000],
            [2, 5_000],
          ],
        ],
        [
          30_000,
          'payer_confirms',
          [
            [1, 5_000],
            [2, 5_000],
          ],
        ],
      ]);
      await payerPays(p, id);
      const first = await waitFor('the first milestone paid', async () => {
        const d = await dealOf(p, id);
        return d.milestones[0].status === 'paid' ? d : undefined;
      });
      await receiptIssued(p, first.milestones[0].payouts[1].id);
      // The tax service ends the recipient's NPD status, mid-deal.
      const lost = await sim('PUT', `/self-employed/recipients/${PERSON_INN}/npd-status`, {
        status: 'NOT_ACTIVE',
      });
      assert.equal(lost.status, 200, lost.text);
      const confirmed = await call('POST', `/v1/deals/${id}/milestones/${first.milestones[1].id}/confirm`, {
        headers: as(p.payer.token),
      });
      assert.equal(confirmed.status, 200, confirmed.text);
      const held = await waitFor('the self-employed payout held, the agency paid', async () => {
        const d = await dealOf(p, id);
        const [agency, freelancer] = d.milestones[1].payouts;
        return agency.status === 'paid' && freelancer.status === 'held' ? d : undefined;
      });
      const heldPayout = held.milestones[1].payouts[1];
      assert.equal(heldPayout.hold.reason, 'npd_not_active');
      const profileNow = await call('GET', '/v1/recipients/me', { headers: as(p.freelancer.token) });
      assert.equal(profileNow.body.npdStatus, 'NOT_ACTIVE', 'the profile shows the status that holds it');
      assert.equal(held.status, 'releasing');
      const mine = (await myPayouts(p.freelancer.token)).find((x) => x.id === heldPayout.id);
      assert.deepEqual(
        [mine?.status, mine?.hold?.reason, mine?.dealId, mine?.milestoneId],
        ['held', 'npd_not_active', id, held.milestones[1].id],
      );
      const regular = async () =>
        (
          await sandboxDb.query("select status from payments where kind = 'REGULAR' and purpose like $1", [
            `%${heldPayout.id}%`,
          ])
        ).rows.map((r) => r.status);
      assert.deepEqual(await regular(), [], 'nothing paid while held');

      const back = await sim('PUT', `/self-employed/recipients/${PERSON_INN}/npd-status`, {
        status: 'ACTIVE',
      });
      assert.equal(back.status, 200, back.text);
      const done = await dealIn(p, id, 'completed');
      assert.deepEqual(
        [done.milestones[1].payouts[1].status, done.milestones[1].payouts[1].hold],
        ['paid', null],
      );
      assert.deepEqual(await regular(), ['SUCCEEDED'], 'paid once');
      await receiptIssued(p, heldPayout.id);
    },
  );
});
