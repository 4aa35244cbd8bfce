import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import type { AccountOf } from '../ports.ts';
import { ACCOUNT_CACHE_ENTRIES_MAX, ACCOUNT_CACHE_TTL_MS, cachedAccountOf } from './account-cache.ts';
import { createOrdersMetrics } from './metrics.ts';

const T0 = new Date('2026-03-01T12:00:00.000Z');

/** Balance as a table of accounts; each call is recorded with the token it carried. */
function fakeBalance(accounts: Map<string, { ownerId: string; currency: string }>) {
  const calls: Array<{ accountId: string; bearer: string }> = [];
  const accountOf: AccountOf = async (accountId, bearer) => {
    calls.push({ accountId, bearer });
    return accounts.get(accountId);
  };
  return { calls, accountOf };
}

async function counts(metrics: ReturnType<typeof createOrdersMetrics>) {
  const { values } = await metrics.accountCache.get();
  return Object.fromEntries(values.map((v) => [v.labels['result'], v.value]));
}

describe('cachedAccountOf', () => {
  it('given an account balance has shown, when it is checked again within the time-to-live, then balance is not asked', async () => {
    const clock = fixedClock(T0);
    const metrics = createOrdersMetrics(async () => 0);
    const balance = fakeBalance(new Map([['acc_1', { ownerId: 'usr_a', currency: 'EUR' }]]));
    const accountOf = cachedAccountOf(balance.accountOf, { clock, metrics });

    assert.deepEqual(await accountOf('acc_1', 'token-a', 't1'), { ownerId: 'usr_a', currency: 'EUR' });
    clock.advance(ACCOUNT_CACHE_TTL_MS - 1);
    assert.deepEqual(await accountOf('acc_1', 'token-b', 't2'), { ownerId: 'usr_a', currency: 'EUR' });
    assert.equal(balance.calls.length, 1);
    assert.deepEqual(await counts(metrics), { hit: 1, miss: 1 });

    clock.advance(1);
    await accountOf('acc_1', 'token-a', 't3');
    assert.equal(balance.calls.length, 2, 'asked again once the time-to-live has passed');
  });

  it('given an account balance does not show (404), then it is asked every time, so an account created since is found', async () => {
    const clock = fixedClock(T0);
    const accounts = new Map<string, { ownerId: string; currency: string }>();
    const balance = fakeBalance(accounts);
    const accountOf = cachedAccountOf(balance.accountOf, {
      clock,
      metrics: createOrdersMetrics(async () => 0),
    });

    assert.equal(await accountOf('acc_new', 'token-a', 't1'), undefined);
    assert.equal(await accountOf('acc_new', 'token-a', 't2'), undefined);
    accounts.set('acc_new', { ownerId: 'usr_a', currency: 'EUR' });
    assert.deepEqual(await accountOf('acc_new', 'token-a', 't3'), { ownerId: 'usr_a', currency: 'EUR' });
    assert.equal(balance.calls.length, 3);
  });

  it('given balance does not answer, then the failure reaches the caller and nothing is remembered', async () => {
    let fail = true;
    const accountOf = cachedAccountOf(
      async () => {
        if (fail) throw new Error('balance did not answer');
        return { ownerId: 'usr_a', currency: 'EUR' };
      },
      { clock: fixedClock(T0), metrics: createOrdersMetrics(async () => 0) },
    );
    await assert.rejects(accountOf('acc_1', 'token-a', 't1'), /did not answer/);
    fail = false;
    assert.deepEqual(await accountOf('acc_1', 'token-a', 't2'), { ownerId: 'usr_a', currency: 'EUR' });
  });

  it('given more accounts than the bound, then the least recently checked are asked again and the rest are not', async () => {
    const accounts = new Map(
      Array.from({ length: ACCOUNT_CACHE_ENTRIES_MAX + 1 }, (_, i) => [
        `acc_${i}`,
        { ownerId: `usr_${i}`, currency: 'EUR' },
      ]),
    );
    const balance = fakeBalance(accounts);
    const accountOf = cachedAccountOf(balance.accountOf, {
      clock: fixedClock(T0),
      metrics: createOrdersMetrics(async () => 0),
    });
    for (const id of accounts.keys()) await accountOf(id, 'token', 't');
    const asked = balance.calls.length;
    await accountOf(`acc_${ACCOUNT_CACHE_ENTRIES_MAX}`, 'token', 't');
    assert.equal(balance.calls.length, asked, 'the last one checked is remembered');
    await accountOf('acc_0', 'token', 't');
    assert.equal(balance.calls.length, asked + 1, 'the first one checked was forgotten');
  });
});
