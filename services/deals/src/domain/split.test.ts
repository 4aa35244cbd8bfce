import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { largestRemainder, RECIPIENTS_PER_SPLIT_MAX, type ShareRule, split } from './split.ts';

const pct = (recipientId: string, percentBp: number, minimum?: bigint): ShareRule => ({
  recipientId,
  share: { percentBp },
  ...(minimum === undefined ? {} : { minimum }),
});
const fixed = (recipientId: string, amount: bigint): ShareRule => ({ recipientId, share: { fixed: amount } });
const amountsOf = (r: ReturnType<typeof split>) => (r.ok ? r.shares.map((s) => s.amount) : r.code);

describe('split', () => {
  it('given 70/30 of 1000.00, then the parts are exact', () => {
    assert.deepEqual(amountsOf(split(100_000n, [pct('a', 7000), pct('b', 3000)])), [70_000n, 30_000n]);
  });

  it('given fixed shares, then they are taken first and percentages divide the rest', () => {
    // 1000.00: 50.00 fixed to the lead, the rest 60/40.
    const r = split(100_000n, [fixed('lead', 5_000n), pct('agent', 6000), pct('agency', 4000)]);
    assert.deepEqual(amountsOf(r), [5_000n, 57_000n, 38_000n]);
  });

  it('given three equal thirds of 1.00, then the spare kopeck goes to the first listed', () => {
    assert.deepEqual(amountsOf(split(100n, [pct('a', 3334), pct('b', 3333), pct('c', 3333)])), [
      34n,
      33n,
      33n,
    ]);
    assert.deepEqual(amountsOf(split(101n, [pct('a', 5000), pct('b', 5000)])), [51n, 50n]);
  });

  it('given a platform fee below its minimum, then it is raised to the minimum and the others share the rest by their weights', () => {
    // 1 % of 100.00 is 1.00; the minimum is 5.00, so 95.00 is split 70:29 (6717.17 and 2782.83).
    const r = split(10_000n, [pct('agent', 7000), pct('agency', 2900), pct('fee', 100, 500n)]);
    assert.deepEqual(amountsOf(r), [6_717n, 2_783n, 500n]);
  });

  it('given a fee above its minimum, then the minimum changes nothing', () => {
    const r = split(1_000_000n, [pct('agent', 9000), pct('fee', 1000, 500n)]);
    assert.deepEqual(amountsOf(r), [900_000n, 100_000n]);
  });

  it('refuses rules that cannot add up, each with its own code', () => {
    const cases: Array<[bigint, ShareRule[], string]> = [
      [100n, [], 'split_no_recipients'],
      [100n, [pct('a', 5000), pct('a', 5000)], 'split_duplicate_recipient'],
      [100n, [pct('a', 0), pct('b', 10000)], 'split_invalid_share'],
      [100n, [pct('a', 10001)], 'split_invalid_share'],
      [100n, [pct('a', 50.5), pct('b', 9949.5)], 'split_invalid_share'],
      [100n, [fixed('a', 0n), pct('b', 10000)], 'split_invalid_share'],
      [0n, [pct('a', 10000)], 'split_invalid_share'],
      [100n, [fixed('a', 101n), pct('b', 10000)], 'split_fixed_exceeds_amount'],
      [100n, [pct('a', 6000), pct('b', 5000)], 'split_percent_not_100'],
      [100n, [pct('a', 6000), pct('b', 3000)], 'split_percent_not_100'],
      [100n, [fixed('a', 60n), fixed('b', 30n)], 'split_fixed_not_equal_amount'],
      [100n, [pct('a', 9000), pct('fee', 1000, 101n)], 'split_minimum_exceeds_amount'],
      [2n, [pct('a', 5000), pct('b', 2500), pct('c', 2500)], 'split_share_rounds_to_zero'],
      [100n, [fixed('a', 100n), pct('b', 10000)], 'split_share_rounds_to_zero'],
    ];
    for (const [amount, rules, code] of cases) assert.equal(amountsOf(split(amount, rules)), code, code);
    const many = Array.from({ length: RECIPIENTS_PER_SPLIT_MAX + 1 }, (_, i) => fixed(`r${i}`, 1n));
    assert.equal(amountsOf(split(1_000n, many)), 'split_too_many_recipients');
  });
});

/** Basis points that add up to exactly 10000 over n shares. */
const basisPointsOf = (n: number) =>
  fc
    .array(fc.integer({ min: 1, max: 1000 }), { minLength: n, maxLength: n })
    .map((weights) => {
      const total = weights.reduce((a, b) => a + b, 0);
      const bps = weights.map((w) => Math.max(1, Math.floor((w * 10000) / total)));
      bps[0]! += 10000 - bps.reduce((a, b) => a + b, 0);
      return bps;
    })
    .filter((bps) => bps.every((b) => b >= 1 && b <= 10000));

const ruleSets = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    amount: fc.bigInt({ min: 1n, max: 9_007_199_254_740_991n }),
    bps: basisPointsOf(n),
    fixedShares: fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { maxLength: 3 }),
    feeMinimum: fc.option(fc.bigInt({ min: 1n, max: 1_000_000n }), { nil: undefined }),
  }),
);

describe('split properties', () => {
  it('whatever the rules, an accepted split sums to the amount exactly and no share is zero or negative', () => {
    fc.assert(
      fc.property(ruleSets, ({ amount, bps, fixedShares, feeMinimum }) => {
        const rules: ShareRule[] = [
          ...fixedShares.map((f, i) => fixed(`f${i}`, f)),
          ...bps.map((bp, i) => pct(`p${i}`, bp, i === bps.length - 1 ? feeMinimum : undefined)),
        ];
        const r = split(amount, rules);
        if (!r.ok) return;
        assert.equal(
          r.shares.reduce((sum, s) => sum + s.amount, 0n),
          amount,
        );
        assert.ok(r.shares.every((s) => s.amount > 0n && s.amount <= amount));
        assert.deepEqual(
          r.shares.map((s) => s.recipientId),
          rules.map((x) => x.recipientId),
        );
        for (const [i, f] of fixedShares.entries()) assert.equal(r.shares[i]!.amount, f);
        if (feeMinimum !== undefined) assert.ok(r.shares.at(-1)!.amount >= feeMinimum);
      }),
      { numRuns: 500 },
    );
  });

  it('without minimums, each percentage share is within one kopeck of its exact proportion', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 100n, max: 10n ** 15n }), basisPointsOf(5), (amount, bps) => {
        const r = split(
          amount,
          bps.map((bp, i) => pct(`p${i}`, bp)),
        );
        if (!r.ok) return;
        r.shares.forEach((s, i) => {
          const exactTimes10k = amount * BigInt(bps[i]!);
          const diff = s.amount * 10_000n - exactTimes10k;
          assert.ok(diff > -10_000n && diff < 10_000n, `share ${i} off by more than a kopeck`);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('largestRemainder always sums to the total and is stable for equal weights', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 1n, max: 10_000n }), { minLength: 1, maxLength: 10 }),
        (total, weights) => {
          const parts = largestRemainder(total, weights);
          assert.equal(
            parts.reduce((a, b) => a + b, 0n),
            total,
          );
          assert.deepEqual(largestRemainder(total, weights), parts);
        },
      ),
    );
    assert.deepEqual(largestRemainder(2n, [1n, 1n, 1n]), [1n, 1n, 0n]);
  });
});
