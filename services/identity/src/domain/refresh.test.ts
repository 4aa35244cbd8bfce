import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decideRefresh } from './refresh.ts';

const now = new Date('2026-06-01T12:00:00Z');
const later = new Date('2026-07-01T12:00:00Z');

describe('decideRefresh', () => {
  it('given an unused, unexpired token, when it is presented, then it rotates', () => {
    assert.deepEqual(decideRefresh({ usedAt: null, revokedAt: null, expiresAt: later }, now), {
      kind: 'rotate',
    });
  });

  it('given a token that was already used, when it is presented again, then it is reuse', () => {
    assert.equal(decideRefresh({ usedAt: now, revokedAt: null, expiresAt: later }, now).kind, 'reuse');
  });

  it('given a revoked token, when it is presented, then it is reuse', () => {
    assert.equal(decideRefresh({ usedAt: null, revokedAt: now, expiresAt: later }, now).kind, 'reuse');
  });

  it('given no such token, when it is presented, then it is unknown', () => {
    assert.equal(decideRefresh(undefined, now).kind, 'unknown');
  });

  it('given a token at or past its expiry, when it is presented, then it is expired', () => {
    assert.equal(decideRefresh({ usedAt: null, revokedAt: null, expiresAt: now }, now).kind, 'expired');
  });

  it('never rotates a token that was used or revoked, whatever the times', () => {
    fc.assert(
      fc.property(
        fc.option(fc.date({ noInvalidDate: true })),
        fc.option(fc.date({ noInvalidDate: true })),
        fc.date({ noInvalidDate: true }),
        fc.date({ noInvalidDate: true }),
        (usedAt, revokedAt, expiresAt, at) => {
          const d = decideRefresh({ usedAt, revokedAt, expiresAt }, at);
          if (usedAt !== null || revokedAt !== null) assert.equal(d.kind, 'reuse');
          if (d.kind === 'rotate') assert.ok(expiresAt.getTime() > at.getTime());
        },
      ),
    );
  });
});
