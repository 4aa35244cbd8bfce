import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fixedClock } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { Actor } from '../domain/decide.ts';
import { executeDealCommand } from '../infra/deal-commands.ts';
import { MIGRATIONS } from '../infra/migrations.ts';

const CLI = new URL('./rebuild.ts', import.meta.url).pathname;
const clock = fixedClock(new Date('2026-12-01T10:00:00Z'));
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
let db: TestDatabase;
let pool: Pool;

before(async () => {
  db = await createTestDatabase('dealscli');
  pool = db.pool(MIGRATIONS.schema);
  await migrate(pool, MIGRATIONS);
});
after(async () => {
  await db.drop();
});

const views = async () =>
  (await pool.query('select deal_id, status, version, view from deal_views order by deal_id')).rows;

const payouts = async () => (await pool.query('select * from recipient_payouts order by payout_id')).rows;

describe('npm run deals:rebuild', () => {
  it('derives lost and damaged read models again from the events, as they were', async () => {
    for (const n of [1, 2, 3]) {
      const dealId = `deal_cli_${n}`;
      const created = await executeDealCommand(
        { pool, clock },
        {
          dealId,
          actor: agent,
          command: {
            kind: 'create',
            dealId,
            title: `Flat ${n}`,
            payerId: 'usr_payer',
            amount: 10_000n,
            milestones: [
              {
                id: `${dealId}_m1`,
                title: 'keys',
                amount: 10_000n,
                release: { kind: 'immediate' },
                rules: [{ recipientId: 'rcp_agent', share: { percentBp: 10_000 } }],
                payoutIds: [`${dealId}_p1`],
              },
            ],
            recipientUserIds: ['usr_agent'],
          },
        },
      );
      assert.ok(created.ok);
      if (n > 1)
        await executeDealCommand({ pool, clock }, { dealId, actor: agent, command: { kind: 'submit' } });
    }
    // The third deal's payout through a hold, a payment and a receipt: the recipients' payouts read model.
    const system = { kind: 'system' } as const;
    for (const command of [
      { kind: 'registered_at_bank', bankDealId: 'bank_3' },
      { kind: 'fund', incomingTransactionId: 'in_3', amount: 10_000n },
      { kind: 'hold_payout', payoutId: 'deal_cli_3_p1', reason: 'npd_not_active', detail: 'NOT_ACTIVE' },
      { kind: 'resume_payout', payoutId: 'deal_cli_3_p1' },
      { kind: 'payout_completed', payoutId: 'deal_cli_3_p1' },
      {
        kind: 'record_receipt',
        payoutId: 'deal_cli_3_p1',
        status: 'SUCCESS',
        receiptNumber: 'r1',
        link: null,
      },
    ] as const) {
      const done = await executeDealCommand(
        { pool, clock },
        { dealId: 'deal_cli_3', actor: system, command },
      );
      assert.ok(done.ok, command.kind);
    }
    const live = await views();
    const livePayouts = await payouts();
    assert.equal(livePayouts.length, 2, 'the submitted deals only');
    await pool.query("delete from deal_views where deal_id = 'deal_cli_1'");
    await pool.query("update deal_views set status = 'completed' where deal_id = 'deal_cli_2'");
    await pool.query("delete from recipient_payouts where deal_id = 'deal_cli_2'");
    await pool.query("update recipient_payouts set receipt_status = null where deal_id = 'deal_cli_3'");
    const { stdout } = await promisify(execFile)(process.execPath, [CLI], {
      env: { ...process.env, DATABASE_URL: db.url },
    });
    assert.match(stdout, /^deals:rebuild: 3 deals folded from their events in \d+ ms\n$/);
    assert.deepEqual(await views(), live);
    assert.deepEqual(await payouts(), livePayouts);
  });

  it('says in one line why it cannot run, and exits 2', async () => {
    const run = promisify(execFile)(process.execPath, [CLI], {
      env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    await assert.rejects(run, (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr ?? '', /^deals:rebuild: [^\n]+\n$/);
      return true;
    });
  });
});
