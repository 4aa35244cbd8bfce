import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GroupCommitOptions, groupCommit } from './group-commit.ts';

/** Lets pending promise callbacks (a finished flush starting the next) run. */
const settle = () => new Promise((r) => setImmediate(r));

/** A flush that waits until the test opens the gate, recording each batch it was given. */
function gated(opts: Partial<GroupCommitOptions<number, number>> = {}) {
  const batches: number[][] = [];
  let open: () => void = () => {};
  let gate = new Promise<void>((r) => {
    open = r;
  });
  const gc = groupCommit<number, number>({
    batchSizeMax: 4,
    batchWaitMs: 1_000_000,
    flushesInFlightMax: 1,
    queueItemsMax: 100,
    weight: () => 1,
    flush: async (units) => {
      batches.push([...units]);
      await gate;
      return units.map((u) => u * 10);
    },
    splittable: () => true,
    overloaded: (reason) => new Error(`overloaded: ${reason}`),
    ...opts,
  });
  return {
    gc,
    batches,
    release() {
      open();
      gate = new Promise<void>((r) => {
        open = r;
      });
    },
  };
}

describe('groupCommit', () => {
  it('given an idle engine, when one unit arrives, then it is flushed at once without waiting', async () => {
    const g = gated();
    const p = g.gc.submit(1);
    assert.deepEqual(g.batches, [[1]]);
    g.release();
    assert.equal(await p, 10);
  });

  it('given a flush in flight, when units arrive, then they wait and go together, at most batchSizeMax', async () => {
    const g = gated();
    const all = [1, 2, 3, 4, 5, 6, 7].map((n) => g.gc.submit(n));
    assert.deepEqual(g.batches, [[1]]);
    g.release();
    await all[0];
    await settle();
    // The second flush took the next four queued units; the rest waits for it.
    assert.deepEqual(g.batches[1], [2, 3, 4, 5]);
    g.release();
    await all[4];
    await settle();
    assert.deepEqual(g.batches[2], [6, 7]);
    g.release();
    assert.deepEqual(await Promise.all(all), [10, 20, 30, 40, 50, 60, 70]);
  });

  it('given a unit heavier than a batch, then it still goes alone', async () => {
    const g = gated({ weight: (u) => (u === 2 ? 10 : 1) });
    const all = [1, 2, 3].map((n) => g.gc.submit(n));
    g.release();
    await all[0];
    await settle();
    assert.deepEqual(g.batches[1], [2]);
    g.release();
    await all[1];
    await settle();
    g.release();
    await Promise.all(all);
    assert.deepEqual(g.batches[2], [3]);
  });

  it('given a batch that fails because of one unit, then only that unit fails', async () => {
    const g = groupCommit<number, number>({
      batchSizeMax: 8,
      batchWaitMs: 0,
      flushesInFlightMax: 1,
      queueItemsMax: 100,
      weight: () => 1,
      flush: async (units) => {
        if (units.includes(3)) throw Object.assign(new Error('bad byte'), { code: '22021' });
        return units.map((u) => u);
      },
      splittable: (err) => (err as { code?: string }).code === '22021',
      overloaded: () => new Error('overloaded'),
    });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => g.submit(n)));
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? `rejected ${(r.reason as Error).message}` : r.value)),
      [1, 2, 'rejected bad byte', 4, 5],
    );
  });

  it('given a failure that splitting cannot help, then the whole batch fails once', async () => {
    let flushes = 0;
    const g = groupCommit<number, number>({
      batchSizeMax: 8,
      batchWaitMs: 0,
      flushesInFlightMax: 1,
      queueItemsMax: 100,
      weight: () => 1,
      flush: async () => {
        flushes += 1;
        throw new Error('connection refused');
      },
      splittable: () => false,
      overloaded: () => new Error('overloaded'),
    });
    const first = g.submit(0);
    const rest = [1, 2, 3].map((n) => g.submit(n));
    const results = await Promise.allSettled([first, ...rest]);
    // Every unit gets the flush's own error: none is left hanging, answered or split into more flushes.
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : `fulfilled ${r.value}`)),
      ['connection refused', 'connection refused', 'connection refused', 'connection refused'],
    );
    assert.equal(flushes, 2, 'the first unit alone, then the other three together, each once');
  });

  it('given a full queue, then submit refuses at once; close flushes what is queued and refuses more', async () => {
    const g = gated({ queueItemsMax: 2 });
    const a = g.gc.submit(1);
    const b = g.gc.submit(2);
    const c = g.gc.submit(3);
    await assert.rejects(g.gc.submit(4), /overloaded: full/);
    assert.equal(g.gc.queuedItems(), 2);
    const closed = g.gc.close();
    await assert.rejects(g.gc.submit(5), /overloaded: closed/);
    g.release();
    await a;
    await settle();
    g.release();
    await closed;
    assert.deepEqual(await Promise.all([b, c]), [20, 30]);
  });
});
