import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProcessingRecord } from '../domain/processing.ts';
import { simulatedStep } from './worker.ts';

const record: ProcessingRecord = {
  id: 'prc_1',
  orderId: 'ord_1',
  amountMinor: 700n,
  currency: 'EUR',
  description: 'stall-me',
  traceId: null,
  status: 'processing',
  attempts: 1,
  lastError: null,
  receivedAt: new Date(0),
  startedAt: new Date(0),
  finishedAt: null,
};

describe('simulated step', () => {
  it('given a stalled attempt, when the worker stops, then the step ends as a transient failure and never decides', async () => {
    const stopping = new AbortController();
    let decided = 0;
    const step = simulatedStep(
      0,
      () => {
        decided += 1;
        return { kind: 'done' };
      },
      { stalls: (_r, attempt) => attempt === 1, stopped: stopping.signal },
    );
    const stalled = step(record, 1);
    // The step is in hand until the stop; nothing else ends it.
    const done = await step(record, 2);
    assert.deepEqual([done.kind, decided], ['done', 1], 'the next attempt runs normally');
    stopping.abort();
    const result = await stalled;
    assert.equal(result.kind, 'transient');
    assert.equal(decided, 1, 'the stalled attempt decided nothing');
  });
});
