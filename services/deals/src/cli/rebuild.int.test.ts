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
  (
    await pool.query(
      'select deal_id, status, version, view, next_release_at from deal_views order by deal_id',
    )
  ).rows;

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
    const live = await views();
    await pool.query("delete from deal_views where deal_id = 'deal_cli_1'");
    await pool.query("update deal_views set status = 'completed' where deal_id = 'deal_cli_2'");
    const { stdout } = await promisify(execFile)(process.execPath, [CLI], {
      env: { ...process.env, DATABASE_URL: db.url },
    });
    assert.match(stdout, /^deals:rebuild: 3 deals folded from their events in \d+ ms\n$/);
    assert.deepEqual(await views(), live);
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
