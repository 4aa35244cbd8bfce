import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatRubles,
  JsonNumber,
  parseLosslessJson,
  parseRubles,
  RUBLES_INTEGER_DIGITS_MAX,
  rublesJson,
  stringifyLossless,
} from './rubles.ts';

const kopecksOf = (text: string) => {
  const r = parseRubles(text);
  assert.ok(r.ok, `${text} was refused: ${r.ok ? '' : r.reason}`);
  return r.kopecks;
};
const limit = 10n ** BigInt(RUBLES_INTEGER_DIGITS_MAX) * 100n - 1n;
const anyKopecks = fc.bigInt({ min: 0n, max: limit });

describe('parseRubles', () => {
  it('given the values floats get wrong, when parsed, then the kopecks are exact', () => {
    assert.equal(kopecksOf('0.1'), 10n);
    assert.equal(kopecksOf('0.29'), 29n);
    assert.equal(kopecksOf('9007199254740.99'), 900719925474099n);
    assert.equal(kopecksOf('1234.56'), 123456n);
    assert.equal(kopecksOf('0'), 0n);
    assert.equal(kopecksOf('5'), 500n);
    assert.equal(kopecksOf('5.0'), 500n);
    assert.equal(kopecksOf('5.00'), 500n);
  });

  it('given a negative, an exponent, 3 decimals or garbage, when parsed, then it is refused with a reason', () => {
    assert.deepEqual(parseRubles('-1'), { ok: false, reason: 'negative' });
    assert.deepEqual(parseRubles('1e3'), { ok: false, reason: 'exponent' });
    assert.deepEqual(parseRubles('1.5E-2'), { ok: false, reason: 'exponent' });
    assert.deepEqual(parseRubles('0.001'), { ok: false, reason: 'too_many_decimals' });
    assert.deepEqual(parseRubles('1.000'), { ok: false, reason: 'too_many_decimals' });
    for (const bad of ['', '01', '.5', '5.', '+1', 'NaN', '1,5', ' 1']) {
      assert.deepEqual(parseRubles(bad), { ok: false, reason: 'not_a_number' }, bad);
    }
    assert.deepEqual(parseRubles('1'.repeat(RUBLES_INTEGER_DIGITS_MAX + 1)), {
      ok: false,
      reason: 'too_large',
    });
  });

  it('given any kopecks, when formatted and parsed back, then they are the same', () => {
    fc.assert(fc.property(anyKopecks, (k) => assert.equal(kopecksOf(formatRubles(k)), k)));
  });

  it('given any whole rubles and 0-2 decimals, when parsed, then the kopecks equal whole*100 + cents', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
        fc.integer({ min: 0, max: 99 }),
        (whole, cents) => {
          const text = `${whole}.${String(cents).padStart(2, '0')}`;
          assert.equal(kopecksOf(text), whole * 100n + BigInt(cents));
        },
      ),
    );
  });
});

describe('formatRubles', () => {
  it('given kopecks, when formatted, then the text is the shortest decimal of rubles', () => {
    assert.equal(formatRubles(0n), '0');
    assert.equal(formatRubles(10n), '0.1');
    assert.equal(formatRubles(29n), '0.29');
    assert.equal(formatRubles(500n), '5');
    assert.equal(formatRubles(900719925474099n), '9007199254740.99');
  });

  it('given any kopecks, when formatted, then the text is a JSON number whose value is the rubles', () => {
    fc.assert(
      fc.property(anyKopecks, (k) => {
        const text = formatRubles(k);
        assert.match(text, /^(0|[1-9]\d*)(\.\d{1,2})?$/);
        assert.ok(!text.includes('.') || !text.endsWith('0'), text);
      }),
    );
  });
});

describe('lossless JSON', () => {
  it('given numbers floats cannot hold, when parsed, then their text survives', () => {
    const body = parseLosslessJson('{"a":0.29,"b":[9007199254740.99,1.50],"c":"0.1","d":null}') as {
      a: JsonNumber;
      b: JsonNumber[];
      c: string;
    };
    assert.ok(body.a instanceof JsonNumber);
    assert.equal(body.a.source, '0.29');
    assert.deepEqual(
      body.b.map((n) => n.source),
      ['9007199254740.99', '1.50'],
    );
    assert.equal(body.c, '0.1');
  });

  it('given kopecks, when written, then the JSON has the exact number', () => {
    assert.equal(JSON.stringify({ amount: rublesJson(900719925474099n) }), '{"amount":9007199254740.99}');
    assert.equal(stringifyLossless({ a: new JsonNumber('1.50'), b: 12n }), '{"a":1.50,"b":12}');
  });

  it('given any kopecks, when written in JSON and read back, then they are the same', () => {
    fc.assert(
      fc.property(anyKopecks, (k) => {
        const text = JSON.stringify({ amount: rublesJson(k) });
        const back = parseLosslessJson(text) as { amount: JsonNumber };
        assert.equal(kopecksOf(back.amount.source), k);
      }),
    );
  });
});
