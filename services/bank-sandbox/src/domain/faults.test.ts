import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { distortIncoming, noFaults, planDelivery, takesTimeout } from './faults.ts';
import { seededRandom } from './random.ts';

describe('timeouts', () => {
  it('given timeoutNext, when calls come, then exactly that many hang', () => {
    const f = { ...noFaults(), timeoutNext: 2 };
    const random = seededRandom(1);
    assert.deepEqual(
      [1, 2, 3].map(() => takesTimeout(f, random)),
      [true, true, false],
    );
  });

  it('given a rate, when drawn twice from one seed, then the same calls hang', () => {
    const run = () => {
      const f = { ...noFaults(), timeoutRate: 0.5 };
      const random = seededRandom(9);
      return Array.from({ length: 16 }, () => takesTimeout(f, random));
    };
    assert.deepEqual(run(), run());
    assert.ok(run().includes(true) && run().includes(false));
  });
});

describe('reordered notifications', () => {
  const faults = (n: number, mode: 'reverse' | 'shuffle' = 'reverse', held: string[] = []) => ({
    reorderNotifications: n,
    reorderMode: mode,
    heldNotifications: held,
  });

  it('given 3 to hold, when they come due over two rounds, then nothing is sent until the third, then all reversed', () => {
    const first = planDelivery(['a'], faults(3), Math.random);
    assert.deepEqual(first, { send: [], held: ['a'], stillToHold: 2 });
    const second = planDelivery(['b', 'c', 'd'], faults(2, 'reverse', ['a']), Math.random);
    assert.deepEqual(second, { send: ['c', 'b', 'a', 'd'], held: [], stillToHold: 0 });
  });

  it('given a shuffle, when planned, then the held ones go out as a permutation drawn from the seed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 20 }), fc.nat(), (ids, seed) => {
        const plan = planDelivery(ids, faults(ids.length, 'shuffle'), seededRandom(seed));
        assert.deepEqual([...plan.send].sort(), [...ids].sort());
        assert.deepEqual(planDelivery(ids, faults(ids.length, 'shuffle'), seededRandom(seed)), plan);
      }),
    );
  });

  it('given nothing to hold but some held, when planned, then the held ones are released first', () => {
    assert.deepEqual(planDelivery(['z'], faults(0, 'reverse', ['x', 'y']), Math.random).send, [
      'y',
      'x',
      'z',
    ]);
  });
});

describe('odd incoming payments', () => {
  it('given any amount, when it arrives wrong, then it differs by 1 kopeck up to a tenth plus one, and stays positive', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }), fc.nat(), (amount, seed) => {
        const got = distortIncoming(
          { amount, purpose: 'Deal 42' },
          { wrongAmount: true, unknownPurpose: false },
          seededRandom(seed),
        );
        assert.notEqual(got.amount, amount);
        assert.ok(got.amount > 0n);
        const delta = got.amount > amount ? got.amount - amount : amount - got.amount;
        assert.ok(delta >= 1n && delta <= amount / 10n + 1n, `${amount} -> ${got.amount}`);
        assert.equal(got.purpose, 'Deal 42');
      }),
    );
  });

  it('given an unknown purpose, when it arrives, then the purpose names nothing the payer sent', () => {
    const got = distortIncoming(
      { amount: 100n, purpose: 'Deal 42' },
      { wrongAmount: false, unknownPurpose: true },
      seededRandom(3),
    );
    assert.equal(got.amount, 100n);
    assert.match(got.purpose, /^Payment \d{6}$/);
  });
});
