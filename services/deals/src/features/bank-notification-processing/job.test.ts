import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drainNotifications } from './job.ts';

/** A processor whose runs process these counts in turn, and how many runs it was asked for. */
function runs(counts: number[]) {
  let calls = 0;
  return {
    once: async () => counts[calls++] ?? 0,
    calls: () => calls,
  };
}

describe('drainNotifications', () => {
  it('given full runs, then it runs again at once until a run comes back short', async () => {
    const r = runs([100, 100, 30, 100]);
    assert.equal(await drainNotifications(r.once, 100), 230);
    assert.equal(r.calls(), 3);
  });

  it('given an empty queue, then one run and nothing processed', async () => {
    const r = runs([]);
    assert.equal(await drainNotifications(r.once, 100), 0);
    assert.equal(r.calls(), 1);
  });

  it('given a flood, then it stops after its bound of runs and leaves the rest to the next schedule', async () => {
    const r = runs(Array.from({ length: 10 }, () => 100));
    assert.equal(await drainNotifications(r.once, 100, 4), 400);
    assert.equal(r.calls(), 4);
  });
});
