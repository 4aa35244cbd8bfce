import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTEMPTS_MAX, decideAfterAttempt, decideEndpointHealth, nextAttemptAt } from './schedule.ts';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const S = 1_000;
const M = 60 * S;
const H = 60 * M;
/** The documented disable rule (docs/ARCHITECTURE.md): no success for 5 days. Written out, not imported. */
const FIVE_DAYS_MS = 5 * 24 * H;

describe('retry schedule', () => {
  it('given a delivery that always fails, it is attempted immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then fails', () => {
    const gaps = [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H];
    let last = T0;
    const due: Date[] = [];
    for (let made = 0; made < ATTEMPTS_MAX; made++) {
      const next = nextAttemptAt(made, last);
      assert.ok(next, `attempt ${made + 1} is scheduled`);
      due.push(next);
      last = next;
    }
    let expected = T0.getTime();
    assert.deepEqual(
      due.map((d) => d.toISOString()),
      gaps.map((g) => {
        expected += g;
        return new Date(expected).toISOString();
      }),
    );
    assert.equal(nextAttemptAt(ATTEMPTS_MAX, last), undefined);
  });

  it('when an attempt fails before the last, the delivery stays pending until the next due time', () => {
    assert.deepEqual(decideAfterAttempt({ attemptsMade: 3, attemptedAt: T0, result: 'timeout' }), {
      status: 'pending',
      nextAttemptAt: at(30 * M),
    });
  });

  it('when the eighth attempt fails, the delivery has failed', () => {
    assert.deepEqual(decideAfterAttempt({ attemptsMade: 8, attemptedAt: T0, result: 'http_status' }), {
      status: 'failed',
    });
  });

  it('when any attempt succeeds, the delivery has succeeded', () => {
    assert.deepEqual(decideAfterAttempt({ attemptsMade: 8, attemptedAt: T0, result: 'succeeded' }), {
      status: 'succeeded',
    });
  });
});

describe('endpoint health', () => {
  it('given a healthy endpoint, a failure starts the failing streak without disabling it', () => {
    assert.deepEqual(decideEndpointHealth({ failingSince: null, result: 'blocked', attemptedAt: T0 }), {
      failingSince: T0,
      disable: false,
    });
  });

  it('given a streak just under 5 days old, a failure keeps it enabled; at 5 days it is disabled', () => {
    const under = decideEndpointHealth({
      failingSince: T0,
      result: 'connection_error',
      attemptedAt: at(FIVE_DAYS_MS - 1),
    });
    assert.equal(under.disable, false);
    const over = decideEndpointHealth({
      failingSince: T0,
      result: 'connection_error',
      attemptedAt: at(FIVE_DAYS_MS),
    });
    assert.deepEqual(over, { failingSince: T0, disable: true });
  });

  it('a success clears the streak', () => {
    assert.deepEqual(decideEndpointHealth({ failingSince: T0, result: 'succeeded', attemptedAt: at(H) }), {
      failingSince: null,
      disable: false,
    });
  });
});
