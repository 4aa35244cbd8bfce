import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fixedClock } from './clock.ts';
import { ID_PREFIXES, isId, nameBasedUuid, newId } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** UUIDv7 carries a 48-bit millisecond timestamp. */
const MS_MAX = 2 ** 48 - 1;
const START = new Date('2026-01-01T00:00:00Z');

/** The creation time a UUIDv7 records in its first 48 bits. */
function msecsOf(id: string): number {
  const uuid = id.slice(id.indexOf('_') + 1);
  return Number.parseInt(uuid.replaceAll('-', '').slice(0, 12), 16);
}

describe('newId', () => {
  it('given every prefix, when an id is made, then it is the prefix, an underscore and a UUIDv7', () => {
    const clock = fixedClock(START);
    for (const prefix of ID_PREFIXES) {
      const id = newId(prefix, clock);
      const [head, uuid, ...rest] = id.split('_');
      assert.equal(head, prefix);
      assert.equal(rest.length, 0);
      assert.match(uuid ?? '', UUID_V7);
      assert.ok(isId(id, prefix), id);
    }
  });

  it('given a fixed clock, when an id is made, then it records the clock time, not the wall time', () => {
    const clock = fixedClock(new Date('2001-02-03T04:05:06.789Z'));
    assert.equal(msecsOf(newId('usr', clock)), Date.parse('2001-02-03T04:05:06.789Z'));
  });

  it('given a clock that advances, when ids are made in sequence, then they sort in creation order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MS_MAX - 10_000 * 50 }),
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 50 }),
        fc.constantFrom(...ID_PREFIXES),
        (startMs, steps, prefix) => {
          const clock = fixedClock(new Date(startMs));
          const ids = [newId(prefix, clock)];
          for (const step of steps) {
            clock.advance(step);
            ids.push(newId(prefix, clock));
          }
          assert.deepEqual([...ids].sort(), ids);
          assert.deepEqual(
            ids.map(msecsOf),
            ids.map((_, i) => startMs + steps.slice(0, i).reduce((a, b) => a + b, 0)),
          );
        },
      ),
    );
  });

  it('given a clock that does not move, when many ids are made, then all are distinct and valid', () => {
    const clock = fixedClock(START);
    const count = 20_000;
    const ids = new Set<string>();
    for (let i = 0; i < count; i++) ids.add(newId('evt', clock));
    assert.equal(ids.size, count);
    for (const id of ids) {
      assert.ok(isId(id, 'evt'), id);
      assert.equal(msecsOf(id), START.getTime());
    }
  });
});

describe('isId', () => {
  const clock = fixedClock(START);
  const usr = newId('usr', clock);
  const uuid = usr.slice('usr_'.length);

  it('given an id of another prefix, when checked, then it is refused even when one prefix starts the other', () => {
    assert.equal(isId(usr, 'acc'), false);
    assert.equal(isId(newId('rtf', clock), 'rt'), false);
    assert.equal(isId(newId('rt', clock), 'rtf'), false);
  });

  const refused: ReadonlyArray<[string, string]> = [
    ['a bare UUID', uuid],
    ['upper-case hex', `usr_${uuid.toUpperCase()}`],
    ['a UUIDv4', 'usr_0c6f1a0e-4b7a-4c1d-9f2e-3a5b6c7d8e9f'],
    ['a wrong variant nibble', `usr_${uuid.slice(0, 19)}c${uuid.slice(20)}`],
    ['a trailing newline', `${usr}\n`],
    ['leading space', ` ${usr}`],
    ['a missing hyphen', `usr_${uuid.replace('-', '')}`],
    ['an extra character', `${usr}0`],
    ['the empty string', ''],
  ];
  for (const [what, value] of refused) {
    it(`given ${what}, when checked, then it is not an id`, () => {
      assert.equal(isId(value, 'usr'), false);
    });
  }
});

describe('nameBasedUuid', () => {
  it('is a version-5 UUID that depends on the name alone', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const id = nameBasedUuid(a);
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(nameBasedUuid(a), id);
        if (a !== b) assert.notEqual(nameBasedUuid(b), id);
      }),
    );
  });

  it('never changes for a stored name: the namespace is fixed', () => {
    // A changed namespace would give every retried bank call a new Idempotency-Key.
    assert.equal(nameBasedUuid('evt_1/register_deal\ncreate-deal'), 'b66d7138-1ed4-5677-b297-07d0069c8ebe');
  });
});
