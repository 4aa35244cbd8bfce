import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fixedClock, type Logger } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { Deal } from '../../domain/deal.ts';
import type { Actor, DealCommand } from '../../domain/decide.ts';
import {
  bankTaskQueue,
  dealCommands,
  dealStore,
  DEALS_MIGRATIONS as MIGRATIONS,
  queueProfileRegistration,
} from '../../wiring.ts';
import { runBankTasks } from './handler.ts';
import type { DealBank, KeyFor, RefundOutcome } from './ports.ts';

let db: TestDatabase;
let pool: Pool;
const clock = fixedClock(new Date('2026-12-01T10:00:00Z'));
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
let n = 0;

/**
 * The bank side as the worker sees it: it remembers every call by its Idempotency-Key and answers a
 * repeated key with the first answer, as the bank does; `down` makes every call fail like a bank that
 * times out.
 */
function recordingBank() {
  const calls: Array<{ op: string; dealId: string; key: string }> = [];
  const answers = new Map<string, string>();
  let down = false;
  let refundOutcome: RefundOutcome = { kind: 'refunded' };
  const call = (op: string, deal: Deal, key: KeyFor) => {
    if (down) throw new Error('bank timed out');
    const k = key(op);
    calls.push({ op, dealId: deal.id, key: k });
    if (!answers.has(k)) answers.set(k, `bank-${answers.size + 1}`);
    return answers.get(k) as string;
  };
  const bank: DealBank = {
    registerDeal: async (deal, key) => ({ bankDealId: call('create-deal', deal, key) }),
    acceptDeal: async (deal, key) => void call('accept', deal, key),
    payMilestone: async (deal, _m, key) => void call('complete-step', deal, key),
    retryPayout: async (deal, _p, key) => void call('retry', deal, key),
    cancelDeal: async (deal, key) => void call('cancel', deal, key),
    refund: async (deal, _r, key) => {
      call('refund', deal, key);
      return refundOutcome;
    },
    registerRecipient: async () => ({ scoring: 'SUCCEEDED' as const }),
  };
  return {
    bank,
    calls,
    setDown: (v: boolean) => {
      down = v;
    },
    setRefund: (o: RefundOutcome) => {
      refundOutcome = o;
    },
  };
}

const create = (dealId: string): DealCommand => ({
  kind: 'create',
  dealId,
  title: 'Flat',
  payerId: 'usr_payer',
  amount: 1_000n,
  milestones: [
    {
      id: `${dealId}_m1`,
      title: 'keys',
      amount: 1_000n,
      release: { kind: 'immediate' },
      rules: [{ recipientId: 'rcp_agent', share: { percentBp: 10_000 } }],
      payoutIds: [`${dealId}_p1`],
    },
  ],
  recipientUserIds: ['usr_agent'],
});

async function submitted(): Promise<string> {
  const dealId = `deal_bw_${++n}`;
  await run(dealId, create(dealId));
  await run(dealId, { kind: 'submit' });
  return dealId;
}

const deps = (bank: DealBank) => ({
  tasks: bankTaskQueue(pool),
  deals: dealStore(pool, clock),
  clock,
  bank,
  logger: silent,
  random: () => 0.5,
});
const loadDeal = (_pool: Pool, dealId: string) => dealStore(pool, clock).load(dealId);
async function run(dealId: string, command: DealCommand, actor: Actor = agent) {
  const r = await dealCommands(pool, clock)({ dealId, command, actor });
  assert.ok(r.ok, r.ok ? '' : r.code);
}

before(async () => {
  db = await createTestDatabase('deals');
  pool = db.pool(MIGRATIONS.schema);
  await migrate(pool, MIGRATIONS);
});
beforeEach(async () => {
  await pool.query("update bank_tasks set status = 'done', done_at = now() where status = 'pending'");
});
after(async () => {
  await db.drop();
});

describe('the bank-task worker', () => {
  it('registers a submitted deal at the bank and records the bank deal id on it', async () => {
    const b = recordingBank();
    const dealId = await submitted();
    assert.equal(await runBankTasks(deps(b.bank)), 1);
    const deal = await loadDeal(pool, dealId);
    assert.equal(deal?.status, 'awaiting_payment');
    assert.equal(deal?.bankDealId, 'bank-1');
    assert.deepEqual(
      b.calls.map((c) => c.op),
      ['create-deal'],
    );
    assert.equal(await runBankTasks(deps(b.bank)), 0, 'nothing left to do');
  });

  it('keeps a task while the bank is down and finishes it once the bank is back', async () => {
    const b = recordingBank();
    const dealId = await submitted();
    b.setDown(true);
    assert.equal(await runBankTasks(deps(b.bank)), 0);
    const { rows } = await pool.query(
      'select attempts, last_error, next_attempt_at from bank_tasks where deal_id = $1',
      [dealId],
    );
    assert.equal(rows[0].attempts, 1);
    assert.match(rows[0].last_error, /bank timed out/);
    assert.ok(rows[0].next_attempt_at > clock.now(), 'retried later, not at once');
    assert.equal((await loadDeal(pool, dealId))?.status, 'submitted');
    b.setDown(false);
    clock.advance(10 * 60_000);
    assert.equal(await runBankTasks(deps(b.bank)), 1);
    assert.equal((await loadDeal(pool, dealId))?.status, 'awaiting_payment');
  });

  it('performed again after a crash before it was marked done, repeats no effect', async () => {
    const b = recordingBank();
    const dealId = await submitted();
    await runBankTasks(deps(b.bank));
    const version = (await loadDeal(pool, dealId))?.version;
    // As if the worker died between recording the bank's answer and marking the task done.
    await pool.query("update bank_tasks set status = 'pending', done_at = null where deal_id = $1", [dealId]);
    await run(dealId, { kind: 'cancel' });
    await pool.query("update bank_tasks set status = 'done', done_at = now() where kind = 'cancel_at_bank'");
    await runBankTasks(deps(b.bank));
    assert.equal(b.calls.filter((c) => c.op === 'create-deal').length, 1, 'the deal was found at the bank');
    assert.equal((await loadDeal(pool, dealId))?.version, (version ?? 0) + 1, 'only the cancel was added');
  });

  it('sends the same Idempotency-Key when a task is performed twice, and never opens a cancelled deal', async () => {
    const b = recordingBank();
    const dealId = await submitted();
    await run(dealId, { kind: 'cancel' });
    await runBankTasks(deps(b.bank));
    await runBankTasks(deps(b.bank));
    assert.equal(b.calls.length, 0, 'cancelled before its turn: neither opened nor cancelled at the bank');

    const other = await submitted();
    b.setDown(false);
    await runBankTasks(deps(b.bank));
    await pool.query("update bank_tasks set status = 'pending', done_at = null where deal_id = $1", [other]);
    await pool.query(
      "update bank_tasks set next_attempt_at = now() - interval '1 minute' where deal_id = $1",
      [other],
    );
    const keysBefore = b.calls.map((c) => c.key);
    // The deal already has its bank id: the task is done without calling the bank again.
    await runBankTasks(deps(b.bank));
    assert.deepEqual(
      b.calls.map((c) => c.key),
      keysBefore,
    );
  });

  it('accepts a funded deal and pays its released milestone, in the order of its events', async () => {
    const b = recordingBank();
    const dealId = await submitted();
    await runBankTasks(deps(b.bank));
    await run(dealId, { kind: 'fund', incomingTransactionId: 'op-1', amount: 1_000n }, { kind: 'system' });
    await runBankTasks(deps(b.bank));
    await runBankTasks(deps(b.bank));
    assert.deepEqual(
      b.calls.map((c) => c.op),
      ['create-deal', 'accept', 'complete-step'],
    );
    assert.equal(new Set(b.calls.map((c) => c.key)).size, 3);
  });

  it("follows a profile's scoring: its task waits while the bank scores it, and never holds a deal's task", async () => {
    const b = recordingBank();
    let scoring: 'IN_PROGRESS' | 'SUCCEEDED' = 'IN_PROGRESS';
    const registered: string[] = [];
    const bank: DealBank = {
      ...b.bank,
      registerRecipient: async (recipientId) => {
        registered.push(recipientId);
        return { scoring };
      },
    };
    const recipientId = `rcp_bw_${++n}`;
    await queueProfileRegistration(pool, recipientId, clock.now());
    const dealId = await submitted();
    assert.equal(await runBankTasks(deps(bank)), 1, "the deal's task is done beside the waiting profile");
    assert.equal((await loadDeal(pool, dealId))?.status, 'awaiting_payment');
    const { rows } = await pool.query('select status, last_error from bank_tasks where subject_id = $1', [
      recipientId,
    ]);
    assert.equal(rows[0].status, 'pending');
    assert.match(rows[0].last_error, /still scoring/);
    scoring = 'SUCCEEDED';
    clock.advance(10 * 60_000);
    assert.equal(await runBankTasks(deps(bank)), 1);
    assert.deepEqual(registered, [recipientId, recipientId]);
  });

  it('hands a refund the bank cannot make to an operator: recorded on the deal, later tasks wait', async () => {
    const b = recordingBank();
    const dealId = `deal_bw_${++n}`;
    const base = create(dealId) as Extract<DealCommand, { kind: 'create' }>;
    await run(dealId, {
      ...base,
      milestones: [{ ...base.milestones[0]!, release: { kind: 'payer_confirms' } }],
    });
    await run(dealId, { kind: 'submit' });
    await runBankTasks(deps(b.bank));
    await run(dealId, { kind: 'fund', incomingTransactionId: 'op-r', amount: 1_000n }, { kind: 'system' });
    const payer: Actor = { kind: 'user', userId: 'usr_payer', staff: false, agent: false };
    const operator: Actor = { kind: 'user', userId: 'usr_op', staff: true, agent: false };
    await run(dealId, { kind: 'open_dispute', disputeId: 'dsp_r', reason: 'late' }, payer);
    await run(dealId, { kind: 'resolve_dispute', outcome: { partialRefund: 300n } }, operator);
    b.setRefund({ kind: 'needs_operator', reason: 'refund_needs_operator: a payout was already attempted' });
    await runBankTasks(deps(b.bank)); // accepts
    await runBankTasks(deps(b.bank)); // the refund, which the bank cannot make
    const deal = await loadDeal(pool, dealId);
    assert.deepEqual(deal?.refundNeedsOperator, {
      amount: 300n,
      reason: 'refund_needs_operator: a payout was already attempted',
    });
    const { rows } = await pool.query(
      "select status, last_error from bank_tasks where deal_id = $1 and kind = 'refund'",
      [dealId],
    );
    assert.deepEqual(
      [rows[0].status, rows[0].last_error],
      ['needs_operator', 'refund_needs_operator: a payout was already attempted'],
    );
    // The payer confirms the rest: its payout waits behind the refund until an operator has done it.
    await run(dealId, { kind: 'confirm_milestone', milestoneId: `${dealId}_m1` }, payer);
    clock.advance(10 * 60_000);
    await runBankTasks(deps(b.bank));
    assert.deepEqual(
      b.calls.map((c) => c.op),
      ['create-deal', 'accept', 'refund'],
    );
    await pool.query(
      "update bank_tasks set status = 'done', done_at = now() where status = 'needs_operator'",
    );
    await runBankTasks(deps(b.bank));
    assert.equal(b.calls.at(-1)?.op, 'complete-step', 'released once the operator marked the refund done');
  });
});
