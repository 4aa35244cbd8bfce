import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UNSTORABLE_ERRORS_MAX, unstorableFields } from './input-guard.ts';
import { isStorableInstant } from './validation.ts';

describe('unstorableFields', () => {
  it('given text PostgreSQL stores, numbers that are exact and nesting, then it finds nothing', () => {
    const value = {
      name: 'Zoë 👋 \u00a0tab\there',
      n: Number.MAX_SAFE_INTEGER,
      m: -Number.MAX_SAFE_INTEGER,
      f: 1.5,
      items: [{ k: 'v' }, null, true],
    };
    assert.deepEqual(unstorableFields(value, 'body'), []);
  });

  it('given a NUL, a lone surrogate or an inexact integer anywhere, then it names each field', () => {
    const value = {
      name: 'a\u0000b',
      items: [{ note: 'ok' }, { note: 'a\ud800b' }],
      'a/b~c': '\udc00',
      big: 2 ** 63,
      huge: -1e300,
    };
    assert.deepEqual(unstorableFields(value, 'body'), [
      { field: 'body/name', message: 'must not contain the NUL character (U+0000)' },
      { field: 'body/items/1/note', message: 'must not contain a lone UTF-16 surrogate' },
      { field: 'body/a~1b~0c', message: 'must not contain a lone UTF-16 surrogate' },
      { field: 'body/big', message: 'must be an integer between -(2^53 - 1) and 2^53 - 1' },
      { field: 'body/huge', message: 'must be an integer between -(2^53 - 1) and 2^53 - 1' },
    ]);
  });

  it('given a property name PostgreSQL refuses, then it names the object that holds it', () => {
    assert.deepEqual(unstorableFields({ metadata: { 'k\u0000': 1 } }, 'body'), [
      { field: 'body/metadata', message: 'property names must not contain the NUL character (U+0000)' },
    ]);
  });

  it('given a top-level string (a path param) or Infinity, then the field is the part itself', () => {
    assert.deepEqual(unstorableFields('\u0000', 'params'), [
      { field: 'params', message: 'must not contain the NUL character (U+0000)' },
    ]);
    assert.deepEqual(unstorableFields({ n: Number.POSITIVE_INFINITY }, 'body'), [
      { field: 'body/n', message: 'must be a finite number' },
    ]);
  });

  it('given a body nested far deeper than the call stack, then it walks it without overflowing', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}"\\u0000"${']'.repeat(200_000)}`);
    assert.equal(unstorableFields(deep, 'body').length, 1);
  });

  it('given thousands of bad fields, then it reports at most UNSTORABLE_ERRORS_MAX', () => {
    const many = Array.from({ length: 5_000 }, () => '\u0000');
    assert.equal(unstorableFields(many, 'body').length, UNSTORABLE_ERRORS_MAX);
  });

  it('given any JSON value, then a NUL or lone surrogate put into one of its strings is found there', () => {
    const wellFormed = fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000'));
    const bad = fc.constantFrom('\u0000', '\ud800', '\udfff', 'x\ud83d');
    const value = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(value, wellFormed, bad, fc.nat(), (other, text, badPart, at) => {
        const cut = at % (text.length + 1);
        const spoiled = text.slice(0, cut) + badPart + text.slice(cut);
        assert.deepEqual(unstorableFields({ text }, 'body'), []);
        const found = unstorableFields({ other, deep: [{ spoiled }] }, 'body').map((e) => e.field);
        assert.ok(found.includes('body/deep/0/spoiled'), JSON.stringify(found));
      }),
    );
  });
});

describe('isStorableInstant (format: date-time)', () => {
  it('given RFC 3339 instants JavaScript and PostgreSQL both read, then it accepts them', () => {
    for (const t of [
      '2026-06-30T23:59:59Z',
      '2026-06-30T23:59:59.123456Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '2026-01-01T00:00:00+14:00',
      '2026-01-01T00:00:00-15:59',
    ]) {
      assert.equal(isStorableInstant(t), true, t);
    }
  });

  it('given a leap second, year 0000, an offset past ±15:59 or no offset, then it refuses them', () => {
    for (const t of [
      '2026-06-30T23:59:60Z',
      '2026-06-30T23:59:60.5+00:00',
      '0000-01-01T00:00:00Z',
      '2026-01-01T00:00:00+16:00',
      '2026-01-01T00:00:00-23:59',
      '2026-02-30T00:00:00Z',
      '2026-01-01T00:00:00',
      '+275760-09-13T00:00:00Z',
    ]) {
      assert.equal(isStorableInstant(t), false, t);
    }
  });
});
