import { assert } from '@strongbox/kernel';

/**
 * The worker's slots: at most `concurrency` attempts run at once in this process. A slot is held before
 * the work that will fill it is known to exist (a claim statement in flight, or a record being claimed in
 * an intake transaction, ADR 0044), so that two of them can never both count on the last free slot. A hold
 * is settled once: it starts (its attempt runs in the slot) or it is released; a started one finishes once.
 * Anything else is refused (answers false) and changes nothing, so a late or repeated call is harmless.
 */
export interface SlotHold {
  /** The work exists: its attempt now runs in the slot. False unless the hold was only held. */
  start(): boolean;
  /** The work will not come (a rollback, a duplicate, a claim that found less): the slot is free again. */
  release(): boolean;
  /** The attempt ended and its slot is free. False unless it was running. */
  finish(): boolean;
}

export interface SlotLedger {
  readonly concurrency: number;
  /** Slots neither held nor running. */
  free(): number;
  held(): number;
  running(): number;
  /** A hold on a free slot, or undefined when every slot is held or running. */
  hold(): SlotHold | undefined;
}

export function slotLedger(concurrency: number): SlotLedger {
  assert(Number.isSafeInteger(concurrency) && concurrency >= 1, 'concurrency is a positive integer');
  let held = 0;
  let running = 0;
  const free = () => concurrency - held - running;
  return {
    concurrency,
    free,
    held: () => held,
    running: () => running,
    hold() {
      if (free() <= 0) return undefined;
      held += 1;
      let state: 'held' | 'running' | 'done' = 'held';
      return {
        start() {
          if (state !== 'held') return false;
          state = 'running';
          held -= 1;
          running += 1;
          return true;
        },
        release() {
          if (state !== 'held') return false;
          state = 'done';
          held -= 1;
          return true;
        },
        finish() {
          if (state !== 'running') return false;
          state = 'done';
          running -= 1;
          return true;
        },
      };
    },
  };
}
