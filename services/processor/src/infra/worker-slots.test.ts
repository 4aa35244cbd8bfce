import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type SlotHold, slotLedger } from './worker-slots.ts';

type Op = { kind: 'hold' } | { kind: 'start' | 'release' | 'finish'; hold: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: 'hold' as const }),
  fc.record({
    kind: fc.constantFrom('start' as const, 'release' as const, 'finish' as const),
    hold: fc.nat(63),
  }),
);

describe('worker slots', () => {
  it('given one free slot, when it is held, then nothing else can hold it until the hold is released or its attempt finishes', () => {
    const slots = slotLedger(1);
    const intake = slots.hold();
    assert.ok(intake);
    assert.equal(slots.hold(), undefined, 'a second intake (or a claim) finds no slot');
    assert.equal(intake.release(), true);
    const claim = slots.hold();
    assert.ok(claim, 'the released slot is free again');
    assert.equal(claim.start(), true);
    assert.equal(slots.hold(), undefined, 'a running attempt keeps its slot');
    assert.equal(claim.finish(), true);
    assert.equal(slots.free(), 1);
  });

  it('given a settled hold, when it is settled again (a rollback after a release, a start after a release), then nothing changes', () => {
    const slots = slotLedger(2);
    const h = slots.hold() as SlotHold;
    assert.equal(h.release(), true);
    assert.equal(h.release(), false);
    assert.equal(h.start(), false, 'a released hold never runs');
    assert.equal(h.finish(), false);
    assert.deepEqual([slots.free(), slots.held(), slots.running()], [2, 0, 0]);
    const r = slots.hold() as SlotHold;
    assert.equal(r.start(), true);
    assert.equal(r.start(), false);
    assert.equal(r.release(), false, 'a running attempt is not released, it finishes');
    assert.equal(r.finish(), true);
    assert.equal(r.finish(), false);
    assert.deepEqual([slots.free(), slots.held(), slots.running()], [2, 0, 0]);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => slotLedger(bad), /concurrency/);
  });

  it('whatever the interleaving of holds, starts, releases and finishes, never more than `concurrency` slots are held or running, and the counts are exactly the holds in each state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (concurrency, ops) => {
        const slots = slotLedger(concurrency);
        const holds: SlotHold[] = [];
        const model: Array<'held' | 'running' | 'done'> = [];
        for (const o of ops) {
          if (o.kind === 'hold') {
            const taken = model.filter((s) => s !== 'done').length;
            const h = slots.hold();
            assert.equal(
              h === undefined,
              taken === concurrency,
              'a hold is refused exactly when no slot is free',
            );
            if (h) {
              holds.push(h);
              model.push('held');
            }
          } else if (holds.length > 0) {
            const i = o.hold % holds.length;
            const was = model[i];
            const ok = holds[i]![o.kind]();
            const expected =
              (o.kind === 'finish' && was === 'running') || (o.kind !== 'finish' && was === 'held');
            assert.equal(ok, expected, `${o.kind} of a ${was} hold`);
            if (ok) model[i] = o.kind === 'start' ? 'running' : 'done';
          }
          const held = model.filter((s) => s === 'held').length;
          const running = model.filter((s) => s === 'running').length;
          assert.deepEqual([slots.held(), slots.running()], [held, running]);
          assert.equal(slots.free(), concurrency - held - running);
          assert.ok(held + running <= concurrency);
          assert.ok(slots.free() >= 0);
        }
      }),
    );
  });
});
