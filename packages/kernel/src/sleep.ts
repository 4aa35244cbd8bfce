/**
 * Resolves after `ms`, or at once when `signal` aborts; never rejects, so a loop that waits between
 * rounds ends promptly when it is stopped.
 *
 * @example
 * const stopping = new AbortController();
 * while (!stopping.signal.aborted) await sleep(1_000, stopping.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
