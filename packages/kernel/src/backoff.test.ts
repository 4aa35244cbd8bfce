import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffMs } from './backoff.ts';

/** A `random` that replays the given values in order, as `Math.random` would produce them. */
function replay(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

const policies = fc.record({
  baseMs: fc.integer({ min: 1, max: 10_000 }),
  capMs: fc.integer({ min: 0, max: 600_000 }),
});
/** Math.random's range: [0, 1). */
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffMs', () => {
  it('given any attempt, policy and random value, when computed, then it is a whole number in [0, min(cap, base * 2^n)]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), policies, unit, (attempt, policy, r) => {
        const delay = backoffMs(attempt, policy, () => r);
        const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
        assert.ok(Number.isInteger(delay), `${delay} is not whole`);
        assert.ok(delay >= 0 && delay <= ceiling, `${delay} outside [0, ${ceiling}]`);
      }),
    );
  });

  it('given the same random sequence, when computed twice, then the delays are identical', () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 20 }), policies, (values, policy) => {
        const run = (random: () => number) => values.map((_, attempt) => backoffMs(attempt, policy, random));
        assert.deepEqual(run(replay(values)), run(replay(values)));
      }),
    );
  });

  it('given random at its extremes, when computed, then the delay spans zero to just under the ceiling', () => {
    const policy = { baseMs: 10, capMs: 1_000 };
    assert.equal(
      backoffMs(3, policy, () => 0),
      0,
    );
    assert.equal(
      backoffMs(3, policy, () => 0.999_999),
      79,
    );
    assert.equal(
      backoffMs(20, policy, () => 0.999_999),
      999,
    );
  });

  it('given a huge attempt number, when computed, then the cap still holds and the result is finite', () => {
    const delay = backoffMs(1_000_000, { baseMs: 5, capMs: 200 }, () => 0.5);
    assert.equal(delay, 100);
  });

  it('given a cap of zero, when computed, then there is no delay', () => {
    assert.equal(
      backoffMs(4, { baseMs: 5, capMs: 0 }, () => 0.9),
      0,
    );
  });
});
