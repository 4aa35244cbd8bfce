import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { fixedClock, type Logger } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import { buildApp } from '../../app.ts';
import type { Actor, DealCommand } from '../../domain/decide.ts';
import {
  accountSpecOf,
  escrowOf,
  type LedgerSubject,
  ledgerIdempotencyKey,
  NOMINAL,
  payoutOf,
  SETTLEMENT,
} from '../../domain/ledger-tasks.ts';
import { dealCommands, ledgerAccounts, ledgerTaskQueue } from '../../wiring.ts';
import { LEDGER_TASK_LEASE_MS, runLedgerTasks } from './handler.ts';
import { type LedgerHarness, startLedgerHarness } from './ledger-test-support.ts';
import type { DealLedger } from './ports.ts';

let h: LedgerHarness;
const clock = fixedClock(new Date('2026-12-01T10:00:00Z'));
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const payer: Actor = { kind: 'user', userId: 'usr_payer', staff: false, agent: false };
const operator: Actor = { kind: 'user', userId: 'usr_ops', staff: true, agent: false };
const system: Actor = { kind: 'system' };
const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

before(async () => {
  h = await startLedgerHarness();
});
after(async () => {
  await h?.close();
});

/** A deal of 100,000 kopecks: one milestone paid 70/30 to two recipients, released by the payer. */
const create = (dealId: string): DealCommand => ({
  kind: 'create',
  dealId,
  title: 'Flat',
  payerId: 'usr_payer',
  amount: 100_000n,
  milestones: [
    {
      id: 'm1',
      title: 'keys',
      amount: 100_000n,
      release: { kind: 'payer_confirms' },
      rules: [
        { recipientId: 'rcp_agent', share: { percentBp: 7_000 } },
        { recipientId: 'rcp_agency', share: { percentBp: 3_000 } },
      ],
      payoutIds: ['po_1', 'po_2'],
    },
  ],
  recipientUserIds: ['usr_agent', 'usr_agency'],
});

async function funded(pool: Pool, dealId: string): Promise<void> {
  const run = dealCommands(pool, clock);
  for (const [command, actor] of [
    [create(dealId), agent],
    [{ kind: 'submit' }, agent],
    [{ kind: 'registered_at_bank', bankDealId: `bank_${dealId}` }, system],
    [{ kind: 'fund', incomingTransactionId: `in_${dealId}`, amount: 100_000n }, system],
  ] as Array<[DealCommand, Actor]>) {
    const outcome = await run({ dealId, command, actor });
    assert.ok(outcome.ok, `${command.kind}: ${outcome.ok ? '' : outcome.code}`);
  }
}

async function command(pool: Pool, dealId: string, command: DealCommand, actor: Actor): Promise<void> {
  const outcome = await dealCommands(pool, clock)({ dealId, command, actor });
  assert.ok(outcome.ok, `${command.kind}: ${outcome.ok ? '' : outcome.code}`);
}

const deps = (pool: Pool, ledger: DealLedger = h.client) => ({
  tasks: ledgerTaskQueue(pool),
  accounts: ledgerAccounts(pool),
  ledger,
  clock,
  logger: silent,
  random: () => 0.5,
});

/** Runs rounds until no task is due (tasks of one deal become due one after another). */
async function drain(pool: Pool, ledger?: DealLedger): Promise<void> {
  for (let i = 0; i < 20; i++) if ((await runLedgerTasks(deps(pool, ledger))) === 0) return;
}

async function balances(pool: Pool, dealId: string) {
  const of = async (subject: LedgerSubject) => {
    const id = await ledgerAccounts(pool).find(subject);
    return id === undefined ? undefined : h.balanceOf(id);
  };
  return {
    nominal: await of(NOMINAL),
    escrow: await of(escrowOf(dealId)),
    agent: await of(payoutOf('rcp_agent')),
    agency: await of(payoutOf('rcp_agency')),
    settlement: await of(SETTLEMENT),
  };
}

/**
 * A balance of the service's own nominal or settlement account, which every deal shares (and so do these
 * tests' schemas: the account's key is the subject's): opening it again replays the account.
 */
async function shared(subject: typeof NOMINAL): Promise<number> {
  const id = await h.client.openAccount(
    accountSpecOf(subject),
    ledgerIdempotencyKey({ account: subject }),
    'trace',
  );
  return h.balanceOf(id);
}

/** Polls `probe` until it answers something, within 30 s (a bound, not a timing assertion). */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function pending(pool: Pool): Promise<Array<{ attempts: number; last_error: string | null }>> {
  const { rows } = await pool.query("select attempts, last_error from ledger_tasks where status = 'pending'");
  return rows;
}

async function auditIsClean(): Promise<void> {
  const report = await h.operator.get('/v1/ledger/audit');
  assert.equal(report.status, 200);
  assert.equal(
    report.body.ok,
    true,
    JSON.stringify(report.body.checks.filter((c: { ok: boolean }) => !c.ok)),
  );
}

describe('the ledger mirror against a real balance', () => {
  it('funded → released → paid: escrow back at 0, the shares in settlement, the audit clean', async () => {
    const pool = await h.dealsSchema();
    await funded(pool, 'deal_paid');
    await drain(pool);
    assert.deepEqual(await balances(pool, 'deal_paid'), {
      nominal: -100_000,
      escrow: 100_000,
      agent: undefined,
      agency: undefined,
      settlement: undefined,
    });
    await command(pool, 'deal_paid', { kind: 'confirm_milestone', milestoneId: 'm1' }, payer);
    await drain(pool);
    assert.deepEqual(await balances(pool, 'deal_paid'), {
      nominal: -100_000,
      escrow: 0,
      agent: 70_000,
      agency: 30_000,
      settlement: undefined,
    });
    await command(pool, 'deal_paid', { kind: 'payout_completed', payoutId: 'po_1' }, system);
    await command(pool, 'deal_paid', { kind: 'payout_failed', payoutId: 'po_2', reason: 'closed' }, system);
    await drain(pool);
    // The failed share stays owed on the agency's payout account until the bank pays it.
    assert.deepEqual(await balances(pool, 'deal_paid'), {
      nominal: -100_000,
      escrow: 0,
      agent: 0,
      agency: 30_000,
      settlement: 70_000,
    });
    await command(pool, 'deal_paid', { kind: 'retry_payout', payoutId: 'po_2' }, agent);
    await command(pool, 'deal_paid', { kind: 'payout_completed', payoutId: 'po_2' }, system);
    await drain(pool);
    assert.deepEqual(await balances(pool, 'deal_paid'), {
      nominal: -100_000,
      escrow: 0,
      agent: 0,
      agency: 0,
      settlement: 100_000,
    });
    assert.deepEqual(await pending(pool), []);
    const escrowId = await ledgerAccounts(pool).find(escrowOf('deal_paid'));
    assert.equal(await h.client.accountBalance(escrowId ?? '', 'f'.repeat(32)), 0n);
    assert.equal(await h.client.accountBalance('acc_none', 'f'.repeat(32)), undefined);
    await auditIsClean();
  });

  it('a dispute refunded in part returns that part to the nominal account; the rest is paid', async () => {
    const pool = await h.dealsSchema();
    await funded(pool, 'deal_refund');
    await drain(pool);
    const before = { nominal: await shared(NOMINAL), settlement: await shared(SETTLEMENT) };
    const dispute: DealCommand = { kind: 'open_dispute', disputeId: 'dsp_1', reason: 'late' };
    await command(pool, 'deal_refund', dispute, payer);
    const partial: DealCommand = { kind: 'resolve_dispute', outcome: { partialRefund: 40_000n } };
    await command(pool, 'deal_refund', partial, operator);
    await drain(pool);
    assert.equal((await balances(pool, 'deal_refund')).escrow, 60_000);
    assert.equal((await balances(pool, 'deal_refund')).nominal, before.nominal + 40_000);
    // What stays is split again by the same rules (42,000 / 18,000) and paid out.
    await command(pool, 'deal_refund', { kind: 'confirm_milestone', milestoneId: 'm1' }, payer);
    for (const payoutId of ['po_1', 'po_2'])
      await command(pool, 'deal_refund', { kind: 'payout_completed', payoutId }, system);
    await drain(pool);
    const b = await balances(pool, 'deal_refund');
    assert.equal(b.escrow, 0);
    assert.equal(b.nominal, before.nominal + 40_000);
    assert.equal(b.settlement, before.settlement + 60_000);
    assert.deepEqual(await pending(pool), []);
    await auditIsClean();
  });

  it('a cancelled funded deal hands its escrow back', async () => {
    const pool = await h.dealsSchema();
    await funded(pool, 'deal_cancel');
    await drain(pool);
    const nominal = (await balances(pool, 'deal_cancel')).nominal ?? 0;
    await command(pool, 'deal_cancel', { kind: 'cancel' }, payer);
    await drain(pool);
    const b = await balances(pool, 'deal_cancel');
    assert.equal(b.escrow, 0);
    assert.equal(b.nominal, nominal + 100_000);
    await auditIsClean();
  });

  it('a task performed again (its answer lost, or a crash before it was marked done) moves money once', async () => {
    const pool = await h.dealsSchema();
    await funded(pool, 'deal_twice');
    // The transfer reaches balance, but its answer never reaches the worker.
    let lost = 0;
    const losing: DealLedger = {
      openAccount: (a, key, trace) => h.client.openAccount(a, key, trace),
      async transfer(t, key, trace) {
        const id = await h.client.transfer(t, key, trace);
        lost++;
        throw new Error(`the answer to ${id} was lost`);
      },
    };
    assert.equal(await runLedgerTasks(deps(pool, losing)), 0);
    assert.equal(lost, 1);
    assert.equal((await pending(pool))[0]?.attempts, 1);
    clock.advance(LEDGER_TASK_LEASE_MS);
    await drain(pool);
    const once = await balances(pool, 'deal_twice');
    assert.equal(once.escrow, 100_000);
    // A crash after balance answered and before the task was marked done: the task runs again.
    await pool.query(`update ledger_tasks set status = 'pending', done_at = null`);
    await drain(pool);
    const b = await balances(pool, 'deal_twice');
    assert.equal(b.escrow, 100_000);
    assert.equal(b.nominal, once.nominal);
    const { rows } = await pool.query<{ n: string }>(
      'select count(distinct transfer_id) as n from ledger_tasks',
    );
    assert.equal(Number(rows[0]?.n), 1);
    await auditIsClean();
  });

  it('balance down: the task stays pending with its reason and is performed once balance is back', async () => {
    const pool = await h.dealsSchema();
    await funded(pool, 'deal_down');
    await h.stopBalance();
    try {
      assert.equal(await runLedgerTasks(deps(pool)), 0);
      const [task] = await pending(pool);
      assert.equal(task?.attempts, 1);
      assert.match(task?.last_error ?? '', /BalanceUnavailable/);
      // Not due again before its backoff has passed.
      assert.equal(await runLedgerTasks(deps(pool)), 0);
      assert.equal((await pending(pool))[0]?.attempts, 1);
    } finally {
      await h.startBalance();
    }
    clock.advance(LEDGER_TASK_LEASE_MS);
    await drain(pool);
    assert.deepEqual(await pending(pool), []);
    assert.equal((await balances(pool, 'deal_down')).escrow, 100_000);
    await auditIsClean();
  });

  it("the app's own worker mirrors a deal by itself, and stops with the app", async () => {
    const pool = await h.dealsSchema();
    const app = await buildApp({
      pool,
      clock,
      logger: createLogger({ service: 'deals', level: 'silent' }),
      verifier: { verify: () => Promise.reject(new Error('no tokens in this test')) },
      notificationSecrets: ['ledger-test-notification-secret'],
      ledger: { ledger: h.client },
    });
    for (const w of app.workers ?? []) w.start();
    try {
      await funded(pool, 'deal_app');
      const escrow = await waitFor('the escrow credited', async () => {
        const b = await balances(pool, 'deal_app');
        return b.escrow === 100_000 ? b.escrow : undefined;
      });
      assert.equal(escrow, 100_000);
      const metrics = await app.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /deals_ledger_tasks_pending\{[^}]*state="pending"[^}]*\} 0/);
      assert.match(metrics.body, /deals_balance_breaker_open/);
    } finally {
      for (const w of app.workers ?? []) await w.stop();
      for (const close of app.closers ?? []) await close();
      await app.app.close();
    }
    await auditIsClean();
  });
});
