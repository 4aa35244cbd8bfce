import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { subscriptionProblems, topicMatches, topicRegex } from './topic.ts';

const word = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const key = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join('.'));

describe('topicMatches', () => {
  it('given the examples of the RabbitMQ tutorial, then it answers as a topic exchange does', () => {
    const cases: Array<[string, string, boolean]> = [
      ['balance.transfer.posted', 'balance.transfer.posted', true],
      ['balance.transfer.*', 'balance.transfer.posted', true],
      ['balance.*', 'balance.transfer.posted', false],
      ['balance.#', 'balance.transfer.posted', true],
      ['balance.#', 'balance', true],
      ['#', 'anything.at.all', true],
      ['*.transfer.*', 'balance.transfer.posted', true],
      ['*.transfer.*', 'balance.hold.posted', false],
      ['#.posted', 'balance.transfer.posted', true],
      ['#.posted', 'posted', true],
      ['balance.#.posted', 'balance.posted', true],
      ['balance.#.posted', 'balance.a.b.posted', true],
      ['balance.#.posted', 'balance.a.b.voided', false],
      ['*', 'balance.transfer', false],
      ['balance.transfer.posted', 'balance.transfer', false],
    ];
    for (const [pattern, k, expected] of cases)
      assert.equal(topicMatches(pattern, k), expected, `${pattern} ~ ${k}`);
  });

  it('given any key, then the key itself, # and the key with any word starred all match it', () => {
    fc.assert(
      fc.property(key, fc.nat(), (k, i) => {
        const words = k.split('.');
        const starred = words.map((w, j) => (j === i % words.length ? '*' : w)).join('.');
        const hashed = words.map((w, j) => (j === i % words.length ? '#' : w)).join('.');
        return (
          topicMatches(k, k) && topicMatches('#', k) && topicMatches(starred, k) && topicMatches(hashed, k)
        );
      }),
    );
  });

  it('given a key and a pattern with one word more or less and no wildcard, then they never match', () => {
    fc.assert(
      fc.property(
        key,
        word,
        (k, extra) => !topicMatches(`${k}.${extra}`, k) && !topicMatches(k, `${k}.${extra}`),
      ),
    );
  });
});

describe('topicRegex', () => {
  const patternWord = fc.oneof(word, fc.constant('*'), fc.constant('#'));
  const pattern = fc.array(patternWord, { minLength: 1, maxLength: 5 }).map((w) => w.join('.'));
  const shortKey = fc
    .array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 5 })
    .map((w) => w.join('.'));
  const smallPattern = fc
    .array(fc.constantFrom('a', 'b', '*', '#'), { minLength: 1, maxLength: 5 })
    .map((w) => w.join('.'));

  it('given any pattern and key, then the regex agrees with topicMatches', () => {
    // A small alphabet makes matches common, so both answers get exercised.
    fc.assert(
      fc.property(smallPattern, shortKey, (p, k) => new RegExp(topicRegex(p)).test(k) === topicMatches(p, k)),
      { numRuns: 2_000 },
    );
    fc.assert(fc.property(pattern, key, (p, k) => new RegExp(topicRegex(p)).test(k) === topicMatches(p, k)));
  });

  it('given the usual patterns, then the regexes read as expected', () => {
    assert.equal(topicRegex('#'), '^.*$');
    assert.equal(topicRegex('balance.#'), '^balance(?:\\.[^.]+)*$');
    assert.equal(topicRegex('*.transfer.*'), '^[^.]+\\.transfer\\.[^.]+$');
    assert.equal(topicRegex('#.#.posted'), topicRegex('#.posted'));
  });
});

describe('subscriptionProblems', () => {
  it('given a good name and patterns, then there are none', () => {
    assert.deepEqual(subscriptionProblems('webhooks.fanout', ['balance.#', '*.transfer.posted']), []);
  });

  it('given bad names and patterns, then each is named', () => {
    assert.equal(subscriptionProblems('Bad Name', ['#']).length, 1);
    assert.equal(subscriptionProblems('orders.retry', ['#']).length, 1, 'reserved suffix');
    assert.equal(subscriptionProblems('ok', []).length, 1);
    assert.equal(subscriptionProblems('ok', ['balance..x', 'a b']).length, 2);
    assert.equal(subscriptionProblems('ok', ['balance.tr*']).length, 1, 'wildcards are whole words');
  });
});
