import { performance } from 'node:perf_hooks';

/**
 * Group commit (ADR 0011): units of work submitted concurrently are queued in memory and handed to
 * `flush` together, so one database transaction (and one WAL flush) serves many requests.
 *
 * A flush starts when
 * - the queue holds `batchSizeMax` items, or
 * - no flush is running (the database is idle, so waiting would only add latency), or
 * - the oldest queued unit has waited `batchWaitMs` (bounded latency under load);
 * and at most `flushesInFlightMax` flushes run at once. The queue is bounded by `queueItemsMax`;
 * beyond it `submit` refuses at once, so overload shows as fast 503s, not as growing memory and latency.
 *
 * A unit weighs as many items as it carries (a batch request of 1,000 transfers weighs 1,000). A flush
 * takes whole units up to `batchSizeMax` items, and always at least one unit.
 */
export interface GroupCommitSettings {
  readonly batchSizeMax: number;
  readonly batchWaitMs: number;
  readonly flushesInFlightMax: number;
  readonly queueItemsMax: number;
}

export type Settled<R> =
  | { readonly ok: true; readonly value: R }
  | { readonly ok: false; readonly error: unknown };

export interface FlushStats {
  readonly units: number;
  readonly items: number;
  readonly durationMs: number;
  readonly failedUnits: number;
}

export interface GroupCommitOptions<U, R> extends GroupCommitSettings {
  weight(unit: U): number;
  /** Runs one batch and answers a result per unit, in order; throwing fails the whole batch. */
  flush(units: readonly U[]): Promise<readonly R[]>;
  /**
   * Whether a failed batch may be split in halves and retried to isolate the unit that broke it (a data
   * error such as an invalid character), so that one bad request fails only itself. Connection failures
   * must answer false: splitting would only repeat them.
   */
  splittable(error: unknown): boolean;
  /** Builds the error `submit` rejects with when the queue is full or closed. */
  overloaded(reason: 'full' | 'closed'): Error;
  onFlush?(stats: FlushStats): void;
}

export interface GroupCommit<U, R> {
  submit(unit: U): Promise<R>;
  /** Items waiting for a flush (a gauge for metrics). */
  queuedItems(): number;
  /** Refuses new units, flushes everything queued, and resolves when no flush runs. */
  close(): Promise<void>;
}

interface Queued<U, R> {
  readonly unit: U;
  readonly weight: number;
  readonly at: number;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export function groupCommit<U, R>(opts: GroupCommitOptions<U, R>): GroupCommit<U, R> {
  const queue: Array<Queued<U, R>> = [];
  let queued = 0;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const idleWaiters: Array<() => void> = [];

  const ready = (): boolean => {
    const first = queue[0];
    if (!first) return false;
    return (
      closed ||
      inFlight === 0 ||
      queued >= opts.batchSizeMax ||
      performance.now() - first.at >= opts.batchWaitMs
    );
  };

  const take = (): Array<Queued<U, R>> => {
    const batch: Array<Queued<U, R>> = [];
    let items = 0;
    while (queue.length > 0) {
      const next = queue[0] as Queued<U, R>;
      if (batch.length > 0 && items + next.weight > opts.batchSizeMax) break;
      queue.shift();
      batch.push(next);
      items += next.weight;
    }
    queued -= items;
    return batch;
  };

  const pump = (): void => {
    while (inFlight < opts.flushesInFlightMax && ready()) {
      const batch = take();
      inFlight += 1;
      void run(batch).finally(() => {
        inFlight -= 1;
        pump();
        if (inFlight === 0 && queue.length === 0) for (const done of idleWaiters.splice(0)) done();
      });
    }
    const first = queue[0];
    if (first && !timer && inFlight < opts.flushesInFlightMax) {
      const waitMs = Math.max(0, opts.batchWaitMs - (performance.now() - first.at));
      timer = setTimeout(() => {
        timer = undefined;
        pump();
      }, waitMs);
    }
  };

  /** Flushes `batch`; on a splittable failure, flushes each half on its own (depth ≤ log2 of its size). */
  const flushSplitting = async (batch: ReadonlyArray<Queued<U, R>>): Promise<Array<Settled<R>>> => {
    try {
      const values = await opts.flush(batch.map((q) => q.unit));
      return values.map((value) => ({ ok: true, value }));
    } catch (error) {
      if (batch.length === 1 || !opts.splittable(error)) return batch.map(() => ({ ok: false, error }));
      const half = Math.ceil(batch.length / 2);
      return [...(await flushSplitting(batch.slice(0, half))), ...(await flushSplitting(batch.slice(half)))];
    }
  };

  const run = async (batch: ReadonlyArray<Queued<U, R>>): Promise<void> => {
    const started = performance.now();
    let results: Array<Settled<R>>;
    try {
      results = await flushSplitting(batch);
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((q, i) => {
      const r = results[i];
      if (r?.ok) q.resolve(r.value);
      else q.reject(r ? r.error : new Error('group commit produced no result'));
    });
    opts.onFlush?.({
      units: batch.length,
      items: batch.reduce((n, q) => n + q.weight, 0),
      durationMs: performance.now() - started,
      failedUnits: results.filter((r) => !r.ok).length,
    });
  };

  return {
    submit(unit) {
      if (closed) return Promise.reject(opts.overloaded('closed'));
      const weight = Math.max(1, opts.weight(unit));
      if (queued + weight > opts.queueItemsMax && queue.length > 0)
        return Promise.reject(opts.overloaded('full'));
      return new Promise<R>((resolve, reject) => {
        queue.push({ unit, weight, at: performance.now(), resolve, reject });
        queued += weight;
        pump();
      });
    },
    queuedItems: () => queued,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      pump();
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((done) => idleWaiters.push(done));
    },
  };
}
