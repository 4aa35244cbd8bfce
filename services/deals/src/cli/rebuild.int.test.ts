import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fixedClock } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { Actor } from '../domain/decide.ts';
import { findingQueueItem } from '../domain/operator-queue.ts';
import { executeDealCommand } from '../infra/deal-commands.ts';
import { MIGRATIONS } from '../infra/migrations.ts';
import { closeQueueItem, openQueueItem } from '../infra/operator-queue.ts';

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

const system: Actor = { kind: 'system' };
const payer: Actor = { kind: 'user', userId: 'usr_payer', staff: false, agent: false };
const operator: Actor = { kind: 'user', userId: 'usr_operator', staff: true, agent: false };
const queue = async () =>
  (await pool.query('select * from operator_queue order by item_id')).rows as Array<Record<string, unknown>>;

/**
 * Puts items in the operators' queue: deal 4 disputed, resolved by a partial refund the bank cannot make
 * (the dispute closes, the refund waits); deal 5's payout failed at the bank.
 */
async function queueItems(dealId: string, n: number): Promise<void> {
  const run = async (actor: Actor, command: Parameters<typeof executeDealCommand>[1]['command']) => {
    clock.advance(1_000);
    const r = await executeDealCommand({ pool, clock }, { dealId, actor, command });
    assert.ok(r.ok, r.ok ? '' : r.code);
  };
  await run(system, { kind: 'registered_at_bank', bankDealId: `bank_${dealId}` });
  await run(system, { kind: 'fund', incomingTransactionId: `op_${dealId}`, amount: 10_000n });
  if (n === 5) {
    await run(system, { kind: 'payout_failed', payoutId: `${dealId}_p1`, reason: 'ACCOUNT_CLOSED' });
    return;
  }
  await run(payer, { kind: 'open_dispute', disputeId: 'dsp_cli', reason: 'no keys' });
  await run(operator, { kind: 'resolve_dispute', outcome: { partialRefund: 2_500n } });
  await run(system, { kind: 'refund_needs_operator', amount: 2_500n, reason: 'refund_needs_operator: test' });
}

/** Two findings as reconciliation records them, with their queue items: one open, one resolved. */
async function findings(): Promise<void> {
  const at = clock.now();
  const { rows } = await pool.query<{ seq: string; subject: string; deal_id: string | null }>(
    `insert into reconciliation_findings
       (difference_key, kind, subject, deal_id, ours_status, bank_status, detail, detected_at, last_seen_at)
     values ('k1', 'deal_state', 'deal_cli_3', 'deal_cli_3', 'awaiting_payment', 'CANCELLED', 'cancelled at the bank', $1, $1),
            ('k2', 'deal_state', 'payer:usr_payer', null, 'a', 'b', 'resolved since', $1, $1)
     returning seq, subject, deal_id`,
    [at],
  );
  for (const r of rows) {
    const item = findingQueueItem({
      findingId: `rcf_${r.seq}`,
      subject: r.subject,
      dealId: r.deal_id,
      kind: 'deal_state',
      detail: r.deal_id ? 'cancelled at the bank' : 'resolved since',
      detectedAt: at,
    });
    await openQueueItem(pool, item);
    if (!r.deal_id) {
      await pool.query("update reconciliation_findings set resolved_at = $1 where difference_key = 'k2'", [
        at,
      ]);
      await closeQueueItem(pool, item.itemId, at);
    }
  }
}

const views = async () =>
  (
    await pool.query(
      'select deal_id, status, version, view, next_release_at from deal_views order by deal_id',
    )
  ).rows;

const payouts = async () => (await pool.query('select * from recipient_payouts order by payout_id')).rows;

describe('npm run deals:rebuild', () => {
  it('derives lost and damaged read models again from the events, as they were', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
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
                release: n === 4 ? { kind: 'hold_hours', hours: 24 } : { kind: 'immediate' },
                // The second deal pays the platform's fee too, raised to its minimum (the rule keeps it).
                rules:
                  n === 2
                    ? [
                        { recipientId: 'rcp_agent', share: { percentBp: 9_900 } },
                        { recipientId: 'rcp_platform', share: { percentBp: 100 }, minimum: 5_000n },
                      ]
                    : [{ recipientId: 'rcp_agent', share: { percentBp: 10_000 } }],
                payoutIds: n === 2 ? [`${dealId}_p1`, `${dealId}_p2`] : [`${dealId}_p1`],
              },
            ],
            recipientUserIds: n === 2 ? ['usr_agent', 'usr_platform'] : ['usr_agent'],
          },
        },
      );
      assert.ok(created.ok);
      if (n > 1)
        await executeDealCommand({ pool, clock }, { dealId, actor: agent, command: { kind: 'submit' } });
      if (n > 3) await queueItems(dealId, n);
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
    await findings();
    const live = await views();
    const liveQueue = await queue();
    assert.deepEqual(
      liveQueue.map((r) => [r.item_id, r.closed_at === null]),
      [
        ['deal_cli_3/payout_held/deal_cli_3_p1', false],
        ['deal_cli_3/reconciliation/rcf_1', true],
        ['deal_cli_4/dispute/dsp_cli', false],
        ['deal_cli_4/refund_needs_operator/refund', true],
        ['deal_cli_5/payout_failed/deal_cli_5_p1', true],
        ['payer:usr_payer/reconciliation/rcf_2', false],
      ],
    );
    const livePayouts = await payouts();
    assert.equal(livePayouts.length, 5, 'the submitted deals only (2, with the fee, to 5)');
    const feeRule = live.find((v) => v.deal_id === 'deal_cli_2')?.view.milestones[0].rules[1];
    assert.deepEqual(feeRule, { recipientId: 'rcp_platform', share: { percentBp: 100 }, minimum: 5_000 });
    await pool.query("delete from deal_views where deal_id = 'deal_cli_1'");
    await pool.query("update deal_views set status = 'completed' where deal_id = 'deal_cli_2'");
    await pool.query("delete from operator_queue where item_id like 'deal_cli_4/%'");
    await pool.query("update operator_queue set closed_at = now() where deal_id = 'deal_cli_5'");
    await pool.query("delete from recipient_payouts where deal_id = 'deal_cli_2'");
    await pool.query("update recipient_payouts set receipt_status = null where deal_id = 'deal_cli_3'");
    const { stdout } = await promisify(execFile)(process.execPath, [CLI], {
      env: { ...process.env, DATABASE_URL: db.url },
    });
    assert.match(stdout, /^deals:rebuild: 5 deals folded from their events in \d+ ms\n$/);
    assert.deepEqual(await views(), live);
    assert.deepEqual(await queue(), liveQueue, "the operators' queue rebuilt equals the live one");
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
