import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import fc from 'fast-check';
import { addressDelayMs, decideThrottle, type FailureHistory, pairDelayMs } from './throttle.ts';

const none: FailureHistory = {
  pair: { count: 0, lastAt: null },
  account: 0,
  address: { count: 0, lastAt: null },
};

describe('decideThrottle', () => {
  it('given a pair with 3 failures, then the next attempt waits 1 s after the last, and only that', () => {
    const clock = fixedClock(new Date('2026-05-01T10:00:00Z'));
    const lastAt = clock.now();
    const h = { ...none, pair: { count: 3, lastAt }, account: 3, address: { count: 3, lastAt } };
    assert.deepEqual(decideThrottle({ ...h, pair: { count: 2, lastAt } }, clock.now()), { kind: 'allow' });
    assert.deepEqual(decideThrottle(h, clock.now()), { kind: 'block', retryAfterS: 1 });
    clock.advance(999);
    assert.equal(decideThrottle(h, clock.now()).kind, 'block');
    clock.advance(1);
    assert.deepEqual(decideThrottle(h, clock.now()), { kind: 'allow' });
  });

  it('doubles the pair delay after each further failure, up to 15 minutes', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 12, 13, 14, 1_000, 1e9].map(pairDelayMs),
      [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 512_000, 900_000, 900_000, 900_000, 900_000],
    );
  });

  it('given 100 failures of the account from anywhere, then it waits a minute; 99 do not', () => {
    const now = new Date('2026-05-01T10:00:00Z');
    assert.deepEqual(decideThrottle({ ...none, account: 100 }, now), { kind: 'block', retryAfterS: 60 });
    assert.deepEqual(decideThrottle({ ...none, account: 99 }, now), { kind: 'allow' });
  });

  it('slows an address spraying many accounts by seconds, never more than a minute', () => {
    assert.deepEqual(
      [0, 29, 30, 31, 40, 89, 90, 10_000].map(addressDelayMs),
      [0, 0, 1_000, 2_000, 11_000, 60_000, 60_000, 60_000],
    );
    const clock = fixedClock(new Date('2026-05-01T10:00:00Z'));
    const h = { ...none, address: { count: 500, lastAt: clock.now() } };
    assert.deepEqual(decideThrottle(h, clock.now()), { kind: 'block', retryAfterS: 60 });
    clock.advance(60_000);
    assert.deepEqual(decideThrottle(h, clock.now()), { kind: 'allow' });
  });

  it('never asks to wait more than 15 minutes, and waiting what it asks is enough below the account limit', () => {
    const clock = fixedClock(new Date('2026-05-01T10:00:00Z'));
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(99),
        fc.nat(10_000),
        fc.nat(2_000_000),
        (pair, account, address, agoMs) => {
          const lastAt = new Date(clock.now().getTime() - agoMs);
          const h = { pair: { count: pair, lastAt }, account, address: { count: address, lastAt } };
          const d = decideThrottle(h, clock.now());
          if (d.kind === 'allow') return;
          assert.ok(d.retryAfterS >= 1 && d.retryAfterS <= 900, String(d.retryAfterS));
          const later = new Date(clock.now().getTime() + d.retryAfterS * 1000);
          assert.equal(decideThrottle(h, later).kind, 'allow');
        },
      ),
    );
  });
});
