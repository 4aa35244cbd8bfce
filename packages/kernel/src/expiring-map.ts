import type { Clock } from './clock.ts';

/**
 * A map bounded twice: an entry is served for at most `ttlMs` after it was set, and at most `entriesMax`
 * entries are kept; past that bound the entry read least recently is forgotten. For remembering answers
 * that do not change (or may be a little late) without letting memory grow with the number of keys.
 * It never loads anything itself: the caller decides what is worth remembering (say, never a "not found").
 *
 * @example
 * const owners = expiringMap<string, string>({ entriesMax: 10_000, ttlMs: 300_000, clock: systemClock });
 * owners.set('acc_1', 'usr_1');
 * owners.get('acc_1'); // 'usr_1' until five minutes have passed or 10,000 other keys were read since
 */
export interface ExpiringMap<K, V> {
  /** The value while fresh; an expired entry is dropped and answers undefined. */
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  delete(key: K): void;
  /** Entries held, fresh or not yet found expired (at most `entriesMax`). */
  readonly size: number;
}

export interface ExpiringMapOptions {
  readonly entriesMax: number;
  readonly ttlMs: number;
  readonly clock: Clock;
}

export function expiringMap<K, V>(opts: ExpiringMapOptions): ExpiringMap<K, V> {
  if (!Number.isInteger(opts.entriesMax) || opts.entriesMax < 1)
    throw new RangeError(`entriesMax must be a positive integer, not ${opts.entriesMax}`);
  if (!(opts.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, not ${opts.ttlMs}`);
  // A Map iterates in insertion order: re-inserting an entry on every read keeps the least recently read
  // one first, which is the one to forget when the map is full.
  const entries = new Map<K, { readonly value: V; readonly expiresAtMs: number }>();
  return {
    get(key) {
      const e = entries.get(key);
      if (e === undefined) return undefined;
      entries.delete(key);
      if (opts.clock.now().getTime() >= e.expiresAtMs) return undefined;
      entries.set(key, e);
      return e.value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, { value, expiresAtMs: opts.clock.now().getTime() + opts.ttlMs });
      while (entries.size > opts.entriesMax) entries.delete(entries.keys().next().value as K);
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
