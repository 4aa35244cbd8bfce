import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import { migrate, type Pool, withTransaction } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { Actor, DealCommand } from '../domain/decide.ts';
import {
  claimBankTasks,
  completeBankTask,
  enqueueBankTasks,
  pendingBankTasks,
  rescheduleBankTask,
} from './bank-tasks.ts';
import { executeDealCommand } from './deal-commands.ts';
import { MIGRATIONS } from './migrations.ts';

let db: TestDatabase;
let pool: Pool;
const clock = fixedClock(new Date('2026-12-01T10:00:00Z'));
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const bank: Actor = { kind: 'system' };
const later = (ms: number) => new Date(clock.now().getTime() + ms);
let n = 0;

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

async function run(dealId: string, command: DealCommand, actor: Actor = agent) {
  const r = await executeDealCommand({ pool, clock }, { dealId, command, actor, traceId: 'trace-bt' });
  assert.ok(r.ok, r.ok ? '' : r.code);
}

async function submitted(): Promise<string> {
  const dealId = `deal_bt_${++n}`;
  await run(dealId, create(dealId));
  await run(dealId, { kind: 'submit' });
  return dealId;
}

const tasksOf = async (dealId: string) =>
  (
    await pool.query(
      'select kind, status, payload, trace_id from bank_tasks where deal_id = $1 order by seq',
      [dealId],
    )
  ).rows;

before(async () => {
  db = await createTestDatabase('deals');
  pool = db.pool(MIGRATIONS.schema);
  await migrate(pool, MIGRATIONS);
});
after(async () => {
  await db.drop();
});

describe('bank tasks', () => {
  it('are written by the command that causes them, in its transaction, with its trace id', async () => {
    const dealId = await submitted();
    assert.deepEqual(await tasksOf(dealId), [
      { kind: 'register_deal', status: 'pending', payload: {}, trace_id: 'trace-bt' },
    ]);
    await run(dealId, { kind: 'registered_at_bank', bankDealId: 'bank-1' }, bank);
    await run(dealId, { kind: 'fund', incomingTransactionId: 'op-1', amount: 1_000n }, bank);
    // Funding an immediate milestone releases it in the same command: accept first, then pay.
    assert.deepEqual(
      (await tasksOf(dealId)).map((t) => [t.kind, t.payload]),
      [
        ['register_deal', {}],
        ['accept_deal', {}],
        ['pay_milestone', { milestoneId: `${dealId}_m1` }],
      ],
    );
  });

  it('are not written by a command the deal refuses', async () => {
    const dealId = await submitted();
    const r = await executeDealCommand(
      { pool, clock },
      { dealId, command: { kind: 'submit' }, actor: agent },
    );
    assert.equal(r.ok, false);
    assert.equal((await tasksOf(dealId)).length, 1);
  });

  it('are written once when the same event is recorded again', async () => {
    const dealId = await submitted();
    const task = [{ key: 'evt_same/accept_deal', task: { kind: 'accept_deal' } as const }];
    await withTransaction(pool, (tx) => enqueueBankTasks(tx, dealId, task, clock.now(), undefined));
    await withTransaction(pool, (tx) => enqueueBankTasks(tx, dealId, task, clock.now(), undefined));
    assert.equal((await tasksOf(dealId)).filter((t) => t.kind === 'accept_deal').length, 1);
  });

  it("run one deal's tasks in order: a task waits while an earlier one of its deal is pending", async () => {
    await pool.query("update bank_tasks set status = 'done', done_at = now()");
    const dealId = await submitted();
    await run(dealId, { kind: 'cancel' });
    const first = await claimBankTasks(pool, clock.now(), later(60_000), 10);
    assert.deepEqual(
      first.map((t) => t.task.kind),
      ['register_deal'],
      'cancel_at_bank waits for the register task',
    );
    await completeBankTask(pool, first[0]!.seq, clock.now());
    const second = await claimBankTasks(pool, clock.now(), later(60_000), 10);
    assert.deepEqual(
      second.map((t) => [t.task.kind, t.attempt]),
      [['cancel_at_bank', 1]],
    );
    await completeBankTask(pool, second[0]!.seq, clock.now());
  });

  it('lease a claimed task, and give it back after the lease or when rescheduled', async () => {
    const dealId = await submitted();
    const [task] = await claimBankTasks(pool, clock.now(), later(30_000), 10);
    assert.equal(task?.dealId, dealId);
    assert.deepEqual(await claimBankTasks(pool, clock.now(), later(30_000), 10), [], 'leased');
    const again = await claimBankTasks(pool, later(30_000), later(60_000), 10);
    assert.deepEqual(
      again.map((t) => [t.key, t.attempt]),
      [[task!.key, 2]],
      'claimed again once the lease ran out',
    );
    await rescheduleBankTask(pool, task!.seq, later(90_000), 'bank unavailable');
    assert.deepEqual(await claimBankTasks(pool, later(89_000), later(100_000), 10), []);
    const { rows } = await pool.query('select last_error from bank_tasks where seq = $1', [
      task!.seq.toString(),
    ]);
    assert.equal(rows[0].last_error, 'bank unavailable');
    assert.deepEqual(await pendingBankTasks(pool, 2), { pending: 1, stuck: 1 });
    await completeBankTask(pool, task!.seq, clock.now());
    assert.deepEqual(await pendingBankTasks(pool, 2), { pending: 0, stuck: 0 });
  });

  it('are never held by two concurrent workers', async () => {
    const deals = await Promise.all(Array.from({ length: 20 }, () => submitted()));
    const claims = await Promise.all(
      Array.from({ length: 4 }, () => claimBankTasks(pool, clock.now(), later(60_000), 10)),
    );
    const keys = claims.flat().map((t) => t.key);
    assert.equal(new Set(keys).size, keys.length, 'no task claimed twice');
    assert.equal(keys.length, deals.length, 'every due task claimed by someone');
  });
});
