/**
 * A wake-up call for a polling loop: `wait` sleeps until `wake()` is called, the time is up or the signal
 * aborts. A wake that comes while the loop is busy is remembered, so the next `wait` returns at once and a
 * notification is never slept through.
 */
export interface Wakeup {
  wake(): void;
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export function createWakeup(): Wakeup {
  let pending = false;
  let release: (() => void) | undefined;
  return {
    wake() {
      pending = true;
      release?.();
    },
    wait(ms, signal) {
      if (pending || signal.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          release = undefined;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        release = done;
      });
    },
  };
}
