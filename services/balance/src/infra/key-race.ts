import type { IdempotencyRef } from '@strongbox/kernel';

/**
 * The group commit's own twin handling (its batches record many keys at once, ADR 0020): a transaction
 * found that another one had committed the same idempotency key first. It is rolled back and run again;
 * the second run finds the key and replays its answer. Two runs always suffice.
 */
export const KEY_RACE_ATTEMPTS_MAX = 3;

export class KeyRace extends Error {
  constructor(refs: readonly IdempotencyRef[]) {
    super(`${refs.length} idempotency key(s) were committed by another transaction first`);
    this.name = 'KeyRace';
  }
}

export async function retryingKeyRaces<T>(run: () => Promise<T>, onRace: () => void = () => {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof KeyRace) || attempt >= KEY_RACE_ATTEMPTS_MAX) throw err;
      onRace();
    }
  }
}
