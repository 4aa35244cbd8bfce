import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkAmount, decodeBody, encodeBody } from './amounts.ts';

describe('amounts on the wire', () => {
  it('writes bigint kopecks as decimal rubles in JSON numbers, never through a float', () => {
    assert.equal(encodeBody({ amount: 10n }), '{"amount":0.1}');
    assert.equal(encodeBody({ amount: 29n }), '{"amount":0.29}');
    assert.equal(encodeBody({ amount: 900719925474099n }), '{"amount":9007199254740.99}');
    assert.equal(encodeBody({ a: [{ amount: 500n, n: 3 }] }), '{"a":[{"amount":5,"n":3}]}');
  });

  it('reads decimal rubles as bigint kopecks from the number text: 0.1, 0.29 and 9007199254740.99', () => {
    const r = decodeBody('{"amount":0.1,"x":{"amountOnHold":0.29},"l":[{"amount":9007199254740.99}]}');
    assert.deepEqual(r, {
      ok: true,
      value: { amount: 10n, x: { amountOnHold: 29n }, l: [{ amount: 900719925474099n }] },
    });
    // Through a float, 0.29 rubles would be 28.999999999999996 kopecks.
    assert.notEqual(0.29 * 100, 29);
  });

  it('keeps other numbers as numbers, and 1.50 and 1.5 as the same amount', () => {
    assert.deepEqual(decodeBody('{"position":2,"limit":50,"amount":1.50}'), {
      ok: true,
      value: { position: 2, limit: 50, amount: 150n },
    });
  });

  it('refuses an amount the bank must not send: three decimals, an exponent, a negative, not a number', () => {
    for (const bad of ['{"amount":0.001}', '{"amount":1e3}', '{"amount":-1}', '{"amount":"1.00"}']) {
      assert.equal(decodeBody(bad).ok, false, bad);
    }
    assert.equal(decodeBody('not json').ok, false);
    assert.equal(decodeBody('{"position":9007199254740993}').ok, false);
  });

  it('round-trips every kopeck amount exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }), (kopecks) => {
        const r = decodeBody(encodeBody({ amount: kopecks }));
        assert.deepEqual(r, { ok: true, value: { amount: kopecks } });
      }),
    );
  });

  it('refuses to send zero, a negative or an amount beyond 2^53−1, or a number that is not bigint', () => {
    assert.equal(checkAmount(1n), 1n);
    assert.throws(() => checkAmount(0n), RangeError);
    assert.throws(() => checkAmount(-5n), RangeError);
    assert.throws(() => checkAmount(2n ** 53n), RangeError);
    assert.throws(() => checkAmount(10 as unknown as bigint), TypeError);
  });
});
