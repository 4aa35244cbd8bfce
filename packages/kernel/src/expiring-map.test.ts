import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fixedClock } from './clock.ts';
import { expiringMap } from './expiring-map.ts';

const T0 = new Date('2026-03-01T12:00:00.000Z');

describe('expiringMap', () => {
  it('given a value set, when read before its time-to-live has passed, then it is served, and afterwards never', () => {
    const clock = fixedClock(T0);
    const m = expiringMap<string, number>({ entriesMax: 10, ttlMs: 1_000, clock });
    m.set('a', 1);
    clock.advance(999);
    assert.equal(m.get('a'), 1);
    clock.advance(1);
    assert.equal(m.get('a'), undefined);
    assert.equal(m.size, 0, 'an expired entry found is dropped');
  });

  it('given a read, then it does not extend the time-to-live; setting again does', () => {
    const clock = fixedClock(T0);
    const m = expiringMap<string, number>({ entriesMax: 10, ttlMs: 1_000, clock });
    m.set('a', 1);
    clock.advance(600);
    assert.equal(m.get('a'), 1);
    m.set('b', 2);
    clock.advance(600);
    assert.equal(m.get('a'), undefined);
    assert.equal(m.get('b'), 2);
    m.set('b', 3);
    clock.advance(900);
    assert.equal(m.get('b'), 3);
  });

  it('given a full map, when another key is set, then the entry read least recently is forgotten', () => {
    const clock = fixedClock(T0);
    const m = expiringMap<string, number>({ entriesMax: 2, ttlMs: 60_000, clock });
    m.set('a', 1);
    m.set('b', 2);
    assert.equal(m.get('a'), 1);
    m.set('c', 3);
    assert.deepEqual([m.get('a'), m.get('b'), m.get('c')], [1, undefined, 3]);
    m.delete('a');
    assert.equal(m.get('a'), undefined);
    assert.equal(m.size, 1);
  });

  it('given any sequence of sets, reads and clock moves, then it holds at most entriesMax entries and serves only the last value set within its time-to-live', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(7), value: fc.integer() }),
      fc.record({ kind: fc.constant('get' as const), key: fc.nat(7) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.nat(400) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (entriesMax, ops) => {
        const clock = fixedClock(T0);
        const ttlMs = 1_000;
        const m = expiringMap<number, number>({ entriesMax, ttlMs, clock });
        const last = new Map<number, { value: number; atMs: number }>();
        for (const o of ops) {
          if (o.kind === 'wait') clock.advance(o.ms);
          else if (o.kind === 'set') {
            m.set(o.key, o.value);
            last.set(o.key, { value: o.value, atMs: clock.now().getTime() });
          } else {
            const got = m.get(o.key);
            const l = last.get(o.key);
            if (got !== undefined) {
              assert.equal(got, l?.value, 'only the last value set is served');
              assert.ok(clock.now().getTime() < (l?.atMs ?? 0) + ttlMs, 'never past its time-to-live');
            }
          }
          assert.ok(m.size <= entriesMax);
        }
      }),
    );
  });

  it('refuses bounds that would make it unbounded or useless', () => {
    const clock = fixedClock(T0);
    assert.throws(() => expiringMap({ entriesMax: 0, ttlMs: 1, clock }), RangeError);
    assert.throws(() => expiringMap({ entriesMax: 1.5, ttlMs: 1, clock }), RangeError);
    assert.throws(() => expiringMap({ entriesMax: 1, ttlMs: 0, clock }), RangeError);
  });
});
