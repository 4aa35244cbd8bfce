import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FundedHarness, openAccount, startFunded, transfer } from '../../test-support.ts';

/**
 * ADR 0038: balance?at= finds the last entry at or before the instant by a binary search over the
 * account's versions, with no index on the time. Checked against the balance the test itself kept after
 * each movement, at every instant and between them, with holds leaving gaps in the versions and several
 * entries at one instant.
 */
let f: FundedHarness;

before(async () => {
  f = await startFunded();
});
after(async () => {
  await f.h.close();
});

describe("an account's balance at an instant", () => {
  it('given movements, holds and repeated instants, then every instant answers the balance after its last entry', async () => {
    const account = await openAccount(f.service, 'usr_at');
    const start = f.h.clock.now().getTime();
    const timeline: Array<{ atMs: number; balance: number }> = [];
    let balance = 0;
    for (let i = 0; i < 37; i++) {
      f.h.clock.advance(i % 5 === 0 ? 0 : 1_000);
      const amount = 1 + (i % 7);
      if (i % 4 === 3 && balance >= 1) {
        // A hold raises the version without an entry.
        const hold = await transfer(f.service, account, f.funding, 1, { pending: true });
        assert.equal(hold.status, 201, hold.body);
        const voided = await f.service.post(`/v1/transfers/${hold.json().id}/void`, {});
        assert.equal(voided.status, 200, voided.body);
        continue;
      }
      const out = i % 3 === 2 && balance >= amount;
      const res = out
        ? await transfer(f.service, account, f.funding, amount)
        : await transfer(f.service, f.funding, account, amount);
      assert.equal(res.status, 201, res.body);
      balance += out ? -amount : amount;
      timeline.push({ atMs: f.h.clock.now().getTime(), balance });
    }
    const expectedAt = (ms: number) => timeline.filter((t) => t.atMs <= ms).at(-1)?.balance ?? 0;
    const instants = new Set<number>([start - 1, start]);
    for (const t of timeline) for (const d of [-1, 0, 1, 500]) instants.add(t.atMs + d);
    for (const ms of instants) {
      const res = await f.service.get(`/v1/accounts/${account}/balance?at=${new Date(ms).toISOString()}`);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json().balance, expectedAt(ms), `at ${new Date(ms).toISOString()}`);
    }
  });

  it('given an account without entries, then its balance at any instant is 0', async () => {
    const account = await openAccount(f.service, 'usr_at_empty');
    const res = await f.service.get(`/v1/accounts/${account}/balance?at=${f.h.clock.now().toISOString()}`);
    assert.deepEqual([res.status, res.json().balance], [200, 0]);
  });
});
