import type { Clock } from '@strongbox/kernel';
import { type Faults, noFaults } from '../domain/faults.ts';
import { seededRandom } from '../domain/random.ts';

/** The sandbox's own time: the host's clock moved by an offset, or frozen at one instant. */
export interface SimClock extends Clock {
  advance(ms: number): void;
  freeze(): void;
  unfreeze(): void;
  readonly frozen: boolean;
}

export function simClock(base: Clock): SimClock {
  let offsetMs = 0;
  let frozenAt: number | undefined;
  return {
    now: () => new Date(frozenAt ?? base.now().getTime() + offsetMs),
    advance(ms) {
      if (frozenAt !== undefined) frozenAt += ms;
      else offsetMs += ms;
    },
    freeze() {
      frozenAt ??= base.now().getTime() + offsetMs;
    },
    unfreeze() {
      if (frozenAt === undefined) return;
      offsetMs = frozenAt - base.now().getTime();
      frozenAt = undefined;
    },
    get frozen() {
      return frozenAt !== undefined;
    },
  };
}

/** Everything /_sim/ controls, in one object that the app and the workers share. */
export interface Sim {
  readonly clock: SimClock;
  faults: Faults;
  random: () => number;
  reset(seed?: number): void;
}

export function createSim(base: Clock): Sim {
  const sim: Sim = {
    clock: simClock(base),
    faults: noFaults(),
    random: seededRandom(1),
    reset(seed = 1) {
      sim.faults = { ...noFaults(), seed };
      sim.random = seededRandom(seed);
    },
  };
  return sim;
}
