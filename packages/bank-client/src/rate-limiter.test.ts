import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import { RateLimiter, reserve } from './rate-limiter.ts';

describe('reserve (a token bucket per method)', () => {
  it('given a fresh bucket of 10 a second, when 10 calls come at once, then none waits and the 11th waits 100 ms', () => {
    let bucket: ReturnType<typeof reserve> | undefined;
    for (let i = 0; i < 10; i++) {
      bucket = reserve(bucket?.ok ? bucket.bucket : undefined, 0, 10, 10_000);
      assert.ok(bucket.ok);
      assert.equal(bucket.waitMs, 0);
    }
    const eleventh = reserve(bucket?.ok ? bucket.bucket : undefined, 0, 10, 10_000);
    assert.ok(eleventh.ok);
    assert.equal(eleventh.waitMs, 100);
    const twelfth = reserve(eleventh.bucket, 0, 10, 10_000);
    assert.ok(twelfth.ok);
    assert.equal(twelfth.waitMs, 200);
  });

  it('refills at the rate and never beyond the burst', () => {
    const empty = { tokens: 0, atMs: 0 };
    assert.deepEqual(reserve(empty, 100, 10, 0), { ok: true, bucket: { tokens: 0, atMs: 100 }, waitMs: 0 });
    const idle = reserve(empty, 60_000, 10, 0);
    assert.ok(idle.ok);
    assert.equal(idle.bucket.tokens, 9);
  });

  it('reserves nothing when the wait would exceed the limit', () => {
    const queued = { tokens: -5, atMs: 0 };
    assert.deepEqual(reserve(queued, 0, 10, 500), { ok: false, waitMs: 600 });
    const r = reserve(queued, 0, 10, 600);
    assert.ok(r.ok);
    assert.equal(r.bucket.tokens, -6);
  });
});

describe('RateLimiter', () => {
  it('given an injected clock, keeps each method under its own rate and lets other methods through', async () => {
    const clock = fixedClock(new Date('2026-03-01T10:00:00Z'));
    const waits: number[] = [];
    const limiter = new RateLimiter(
      { defaultPerS: 2, perMethod: { 'GET /slow': 1 }, waitMsMax: 1_000 },
      clock,
      async (ms) => {
        waits.push(ms);
      },
    );
    assert.equal(await limiter.acquire('POST /a'), true);
    assert.equal(await limiter.acquire('POST /a'), true);
    assert.equal(await limiter.acquire('POST /a'), true); // waits 500 ms for the third token
    assert.equal(await limiter.acquire('POST /b'), true); // another method, its own bucket
    assert.equal(await limiter.acquire('GET /slow'), true);
    assert.equal(await limiter.acquire('GET /slow'), true); // 1 a second: waits 1000 ms
    assert.equal(await limiter.acquire('GET /slow'), false); // would wait 2000 ms: refused
    assert.deepEqual(waits, [500, 1_000]);
    clock.advance(2_000);
    assert.equal(await limiter.acquire('GET /slow'), true);
    assert.deepEqual(waits, [500, 1_000]);
  });

  it('refuses a rate that is not above zero', () => {
    assert.throws(
      () => new RateLimiter({ defaultPerS: 0, waitMsMax: 1 }, fixedClock(new Date(0))),
      RangeError,
    );
  });
});
