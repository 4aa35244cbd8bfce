import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import { ttlCache } from './ttl-cache.ts';

describe('ttlCache', () => {
  it('given a fresh value, when asked again within its TTL, then it does not load again', async () => {
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    let loads = 0;
    const cache = ttlCache(async () => ({ value: ++loads, ttlMs: 1_000 }), clock);
    assert.equal(cache.peek(), undefined);
    assert.equal(await cache.get(), 1);
    clock.advance(999);
    assert.equal(await cache.get(), 1);
    clock.advance(1);
    assert.equal(await cache.get(), 2);
    assert.equal(cache.peek(), 2);
  });

  it('given concurrent callers, when the value is stale, then they share one load', async () => {
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    let loads = 0;
    const cache = ttlCache(async () => ({ value: ++loads, ttlMs: 1_000 }), clock);
    const values = await Promise.all([cache.get(), cache.get(), cache.get()]);
    assert.deepEqual(values, [1, 1, 1]);
    assert.equal(loads, 1);
  });

  it('given a value with a short TTL, then it is reloaded sooner', async () => {
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    let loads = 0;
    const cache = ttlCache(async () => ({ value: ++loads, ttlMs: loads === 1 ? 10 : 1_000 }), clock);
    await cache.get();
    clock.advance(10);
    assert.equal(await cache.get(), 2);
  });

  it('given a failing load, then the failure is not cached', async () => {
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    let loads = 0;
    const cache = ttlCache(async () => {
      loads += 1;
      if (loads === 1) throw new Error('down');
      return { value: 'ok', ttlMs: 1_000 };
    }, clock);
    await assert.rejects(cache.get(), /down/);
    assert.equal(await cache.get(), 'ok');
  });
});
