import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import { migrate, type Pool, readStream } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { Actor, DealCommand } from '../domain/decide.ts';
import { executeDealCommand, loadDeal } from './deal-commands.ts';
import { MIGRATIONS } from './migrations.ts';
import { rebuildReadModels } from './rebuild.ts';

let db: TestDatabase;
let pool: Pool;
const clock = fixedClock(new Date('2026-12-01T10:00:00Z'));
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const payer: Actor = { kind: 'user', userId: 'usr_payer', staff: false, agent: false };
const bank: Actor = { kind: 'system' };
let seq = 0;

const create = (dealId: string): DealCommand => ({
  kind: 'create',
  dealId,
  title: 'Flat',
  payerId: 'usr_payer',
  amount: 100_000n,
  milestones: [
    {
      id: `${dealId}_m1`,
      title: 'keys',
      amount: 100_000n,
      release: { kind: 'payer_confirms' },
      rules: [
        { recipientId: 'rcp_agent', share: { percentBp: 9000 } },
        { recipientId: 'rcp_fee', share: { percentBp: 1000 } },
      ],
      payoutIds: [`${dealId}_p1`, `${dealId}_p2`],
    },
  ],
  recipientUserIds: ['usr_agent'],
});

async function newDeal(): Promise<string> {
  const dealId = `deal_it_${++seq}`;
  const r = await executeDealCommand(
    { pool, clock },
    { dealId, command: create(dealId), actor: agent, traceId: 'trace-1' },
  );
  assert.ok(r.ok);
  return dealId;
}

before(async () => {
  db = await createTestDatabase('deals');
  pool = db.pool(MIGRATIONS.schema);
  await migrate(pool, MIGRATIONS);
});
after(async () => {
  await db.drop();
});

describe('deal commands', () => {
  it('given a command, then its events, its outbox envelopes and its read-model row commit together', async () => {
    const dealId = await newDeal();
    const stored = await readStream(pool, dealId);
    assert.deepEqual(
      stored.map((e) => [e.version, e.type, e.metadata]),
      [[1, 'deal.created', { traceId: 'trace-1' }]],
    );
    const { rows: outbox } = await pool.query<{
      event_id: string;
      type: string;
      envelope: Record<string, unknown>;
    }>('select event_id, type, envelope from outbox where subject = $1', [dealId]);
    assert.deepEqual(
      outbox.map((o) => [o.event_id, o.type, o.envelope['traceid'], o.envelope['parties']]),
      [[stored[0]!.id, 'deals.deal.created', 'trace-1', 'usr_agent,usr_payer']],
    );
    const { rows: views } = await pool.query<{ status: string; version: number; amount: bigint }>(
      'select status, version, amount from deal_views where deal_id = $1',
      [dealId],
    );
    assert.deepEqual(views, [{ status: 'draft', version: 1, amount: 100_000n }]);
  });

  it('given a rejected command, then nothing is written', async () => {
    const dealId = await newDeal();
    const r = await executeDealCommand(
      { pool, clock },
      { dealId, command: { kind: 'submit' }, actor: payer },
    );
    assert.deepEqual(r, { ok: false, code: 'deal_forbidden' });
    assert.equal((await readStream(pool, dealId)).length, 1);
  });

  it('given a stale If-Match version, then the command answers deal_version_conflict and changes nothing', async () => {
    const dealId = await newDeal();
    await executeDealCommand(
      { pool, clock },
      { dealId, command: { kind: 'submit' }, actor: agent, expectedVersion: 1 },
    );
    const stale = await executeDealCommand(
      { pool, clock },
      { dealId, command: { kind: 'cancel' }, actor: agent, expectedVersion: 1 },
    );
    assert.deepEqual(stale, { ok: false, code: 'deal_version_conflict' });
    assert.equal((await loadDeal(pool, dealId))?.status, 'submitted');
  });

  it('given the same bank report many times at once, then it is recorded once and the others decide again and add nothing', async () => {
    const dealId = await newDeal();
    const run = (command: DealCommand, actor: Actor) =>
      executeDealCommand({ pool, clock }, { dealId, command, actor });
    await run({ kind: 'submit' }, agent);
    const reports = await Promise.all(
      Array.from({ length: 6 }, () => run({ kind: 'registered_at_bank', bankDealId: 'bank_1' }, bank)),
    );
    assert.ok(reports.every((r) => r.ok));
    assert.equal(reports.filter((r) => r.ok && r.events.length > 0).length, 1);
    const types = (await readStream(pool, dealId)).map((e) => e.type);
    assert.deepEqual(types, ['deal.created', 'deal.submitted', 'deal.registered_at_bank']);
  });

  it('given many deals moved through several states, when the read models are rebuilt from the events, then they equal the live ones', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => newDeal()));
    for (const [i, dealId] of ids.entries()) {
      const run = (command: DealCommand, actor: Actor) =>
        executeDealCommand({ pool, clock }, { dealId, command, actor });
      if (i >= 1) await run({ kind: 'submit' }, agent);
      if (i >= 2) await run({ kind: 'registered_at_bank', bankDealId: `bank_${i}` }, bank);
      if (i >= 3) await run({ kind: 'fund', incomingTransactionId: `in_${i}`, amount: 100_000n }, bank);
      if (i >= 4) await run({ kind: 'confirm_milestone', milestoneId: `${dealId}_m1` }, payer);
    }
    const snapshot = async () =>
      (await pool.query('select * from deal_views order by deal_id')).rows.map((r) =>
        JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
      );
    const live = await snapshot();
    assert.ok(live.length >= 5);
    const { deals } = await rebuildReadModels(pool);
    assert.equal(deals, live.length);
    assert.deepEqual(await snapshot(), live);
  });
});
