/**
 * Time is a dependency: code asks a `Clock` instead of calling `Date.now()`, so tests can fix it.
 *
 * @example
 * const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
 * clock.advance(60_000);
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(at: Date): void;
}

export function fixedClock(start: Date): ManualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
    set: (at) => {
      current = at.getTime();
    },
  };
}
