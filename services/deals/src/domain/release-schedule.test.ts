import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Deal } from './deal.ts';
import { type Actor, type DealCommand, decide, type NewMilestone } from './decide.ts';
import { evolve } from './evolve.ts';
import { nextReleaseAt } from './release-schedule.ts';

const t0 = new Date('2026-12-01T10:00:00Z');
const agent: Actor = { kind: 'user', userId: 'usr_agent', staff: false, agent: true };
const payer: Actor = { kind: 'user', userId: 'usr_payer', staff: false, agent: false };
const bank: Actor = { kind: 'system' };

type Timed = NewMilestone['release'];

function run(deal: Deal | null, command: DealCommand, actor: Actor, at = t0): Deal {
  const d = decide(command, deal, actor, at);
  assert.ok(d.ok, `${command.kind} was refused: ${d.ok ? '' : d.code}`);
  return d.events.reduce<Deal | null>((s, e) => evolve(s, e), deal) as Deal;
}

/** A funded deal whose milestones (10,000 kopecks each) are released as `releases` say. */
function fundedDeal(releases: readonly Timed[]): Deal {
  const milestones: NewMilestone[] = releases.map((release, i) => ({
    id: `m${i}`,
    title: `milestone ${i}`,
    amount: 10_000n,
    release,
    rules: [{ recipientId: 'rcp_agent', share: { percentBp: 10_000 } }],
    payoutIds: [`po_${i}`],
  }));
  const amount = 10_000n * BigInt(releases.length);
  let deal = run(
    null,
    {
      kind: 'create',
      dealId: 'deal_1',
      title: 'Flat',
      payerId: 'usr_payer',
      amount,
      milestones,
      recipientUserIds: ['usr_agent'],
    },
    agent,
  );
  deal = run(deal, { kind: 'submit' }, agent);
  deal = run(deal, { kind: 'registered_at_bank', bankDealId: 'bank_1' }, bank);
  return run(deal, { kind: 'fund', incomingTransactionId: 'in_1', amount }, bank);
}

const released = (deal: Deal, at: Date) => {
  const d = decide({ kind: 'release_due' }, deal, bank, at);
  assert.ok(d.ok);
  return d.events.filter((e) => e.type === 'deal.milestone_released').length;
};

describe('nextReleaseAt', () => {
  it('given a hold of 48 hours and a date, then the earlier is next; once released, the later; then none', () => {
    const date = new Date(t0.getTime() + 24 * 3_600_000);
    let deal = fundedDeal([
      { kind: 'hold_hours', hours: 48 },
      { kind: 'on_date', at: date },
    ]);
    assert.deepEqual(nextReleaseAt(deal), date);
    deal = run(deal, { kind: 'release_due' }, bank, date);
    assert.deepEqual(nextReleaseAt(deal), new Date(t0.getTime() + 48 * 3_600_000));
    deal = run(deal, { kind: 'release_due' }, bank, new Date(t0.getTime() + 48 * 3_600_000));
    assert.equal(nextReleaseAt(deal), null);
  });

  it('given a deal waiting only on its payer, or not funded, or disputed, then nothing is scheduled', () => {
    const confirm = fundedDeal([{ kind: 'payer_confirms' }]);
    assert.equal(nextReleaseAt(confirm), null);
    const held = fundedDeal([{ kind: 'hold_hours', hours: 1 }]);
    const disputed = run(held, { kind: 'open_dispute', disputeId: 'd', reason: 'r' }, payer);
    assert.equal(nextReleaseAt(disputed), null, 'a dispute freezes releases');
  });

  it('property: at the scheduled time release_due releases something, a millisecond before it releases nothing', () => {
    const release = fc.oneof(
      fc.integer({ min: 1, max: 24 * 30 }).map((hours): Timed => ({ kind: 'hold_hours', hours })),
      fc
        .integer({ min: 1, max: 30 * 24 * 60 })
        .map((minutes): Timed => ({ kind: 'on_date', at: new Date(t0.getTime() + minutes * 60_000) })),
      fc.constant<Timed>({ kind: 'payer_confirms' }),
    );
    fc.assert(
      fc.property(fc.array(release, { minLength: 1, maxLength: 6 }), (releases) => {
        let deal = fundedDeal(releases);
        const timed = releases.filter((r) => r.kind !== 'payer_confirms').length;
        let seen = 0;
        for (let next = nextReleaseAt(deal); next !== null; next = nextReleaseAt(deal)) {
          assert.equal(released(deal, new Date(next.getTime() - 1)), 0, 'nothing is due before it');
          const n = released(deal, next);
          assert.ok(n >= 1, 'something is due at it');
          deal = run(deal, { kind: 'release_due' }, bank, next);
          seen += n;
        }
        assert.equal(seen, timed, 'every timed milestone was scheduled and released once');
      }),
    );
  });
});
