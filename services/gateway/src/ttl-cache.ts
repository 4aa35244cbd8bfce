import type { Clock } from '@strongbox/kernel';

export interface Loaded<T> {
  readonly value: T;
  /** How long this value may be served; a degraded value can ask for a shorter life. */
  readonly ttlMs: number;
}

export interface TtlCache<T> {
  /** The cached value while fresh; otherwise one load shared by every caller waiting at that moment. */
  get(): Promise<T>;
  /** The last value loaded, fresh or not, without loading. */
  peek(): T | undefined;
}

/**
 * A single value kept for a while. Concurrent callers share one load, so a burst of requests after
 * expiry causes one fan-out to the upstreams, not one per request. A failed load is not cached.
 *
 * @example
 * const doc = ttlCache(async () => ({ value: await build(), ttlMs: 30_000 }), systemClock);
 */
export function ttlCache<T>(load: () => Promise<Loaded<T>>, clock: Clock): TtlCache<T> {
  let current: T | undefined;
  let expiresAtMs = 0;
  let inflight: Promise<T> | undefined;
  return {
    async get() {
      if (current !== undefined && clock.now().getTime() < expiresAtMs) return current;
      inflight ??= load()
        .then((loaded) => {
          current = loaded.value;
          expiresAtMs = clock.now().getTime() + loaded.ttlMs;
          return loaded.value;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
    peek: () => current,
  };
}
