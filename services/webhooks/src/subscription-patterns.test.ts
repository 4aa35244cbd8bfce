/**
 * The pure part of ADR 0046, domain/subscription-patterns.ts, checked against the messaging package's own
 * topic matching (which is why this test is not beside it: the domain imports nothing but the kernel).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicMatches } from '@strongbox/messaging';
import { PATTERNS_MAX } from '@strongbox/messaging/topic';
import fc from 'fast-check';
import { selects } from './domain/event-types.ts';
import {
  ALL_EVENTS,
  minimalPatterns,
  SUBSCRIPTION_PATTERNS_MAX,
  subscriptionPatterns,
} from './domain/subscription-patterns.ts';

// Few words, so that generated types and endpoint types often share prefixes.
const word = fc.constantFrom('balance', 'orders', 'transfer', 'posted', 'a', 'b');
const eventType = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join('.'));
const endpointType = fc.oneof(
  { weight: 1, arbitrary: fc.constant('*') },
  { weight: 4, arbitrary: eventType.map((t) => `${t}.*`) },
  { weight: 5, arbitrary: eventType },
);
const takes = (patterns: readonly string[], type: string) => patterns.some((p) => topicMatches(p, type));

describe('subscription patterns (ADR 0046)', () => {
  it('take exactly the types the endpoints select, whenever they stay under the limit', () => {
    fc.assert(
      fc.property(fc.array(endpointType, { maxLength: 12 }), eventType, (types, type) => {
        const patterns = subscriptionPatterns(types);
        if (patterns.length === 1 && patterns[0] === ALL_EVENTS && !types.includes('*')) {
          // Collapsed past the limit: every selected type is still taken.
          assert.ok(!selects(types, type) || takes(patterns, type));
          return;
        }
        assert.equal(takes(patterns, type), selects(types, type), `${JSON.stringify(patterns)} on ${type}`);
      }),
    );
  });

  it('are minimal: no pattern is taken over by another, none is repeated, and there are at most the limit', () => {
    fc.assert(
      fc.property(fc.array(endpointType, { maxLength: 60 }), (types) => {
        const patterns = subscriptionPatterns(types);
        assert.ok(patterns.length <= SUBSCRIPTION_PATTERNS_MAX);
        assert.equal(new Set(patterns).size, patterns.length);
        assert.deepEqual(minimalPatterns(patterns), patterns, 'minimising again changes nothing');
        for (const p of patterns)
          for (const q of patterns)
            if (p !== q && !q.includes('#')) assert.ok(!topicMatches(p, q), `${p} takes ${q}`);
      }),
    );
  });

  it('keep every pattern of the merged sets covered (what widening relies on)', () => {
    fc.assert(
      fc.property(fc.array(endpointType), fc.array(endpointType), eventType, (a, b, type) => {
        const merged = minimalPatterns([...subscriptionPatterns(a), ...subscriptionPatterns(b)]);
        if (selects([...a, ...b], type)) assert.ok(takes(merged, type));
      }),
    );
  });

  it('stay within the limit of the messaging package', () => {
    assert.equal(SUBSCRIPTION_PATTERNS_MAX, PATTERNS_MAX);
  });

  it('map the three kinds of endpoint types', () => {
    assert.deepEqual(subscriptionPatterns([]), []);
    assert.deepEqual(subscriptionPatterns(['*', 'balance.*']), ['#']);
    assert.deepEqual(subscriptionPatterns(['balance.*', 'balance.transfer.*', 'balance.transfer.posted']), [
      'balance.*.#',
    ]);
    assert.ok(takes(subscriptionPatterns(['balance.*']), 'balance.transfer.posted'));
    assert.ok(
      !takes(subscriptionPatterns(['balance.*']), 'balance'),
      'a prefix wildcard needs one more word',
    );
    assert.deepEqual(subscriptionPatterns(['orders.order.completed', 'balance.transfer.*']), [
      'balance.transfer.*.#',
      'orders.order.completed',
    ]);
    const many = Array.from({ length: SUBSCRIPTION_PATTERNS_MAX + 1 }, (_, i) => `t${i}.happened`);
    assert.deepEqual(subscriptionPatterns(many), ['#'], 'past the limit, every event');
    assert.equal(subscriptionPatterns(many.slice(1)).length, SUBSCRIPTION_PATTERNS_MAX);
  });
});
