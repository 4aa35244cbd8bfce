import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decideThrottle, FAILURES_PER_ACCOUNT_MAX, FAILURES_PER_IP_MAX } from './throttle.ts';

describe('decideThrottle', () => {
  it('given fewer failures than both limits, then the attempt is allowed', () => {
    assert.equal(
      decideThrottle({ account: FAILURES_PER_ACCOUNT_MAX - 1, ip: FAILURES_PER_IP_MAX - 1 }).kind,
      'allow',
    );
  });

  it('given the account limit reached, then it blocks with a Retry-After', () => {
    const d = decideThrottle({ account: FAILURES_PER_ACCOUNT_MAX, ip: 0 });
    assert.equal(d.kind, 'block');
    assert.ok(d.kind === 'block' && d.retryAfterS > 0);
  });

  it('blocks exactly when either count reaches its limit', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(100), (account, ip) => {
        const blocked = decideThrottle({ account, ip }).kind === 'block';
        assert.equal(blocked, account >= FAILURES_PER_ACCOUNT_MAX || ip >= FAILURES_PER_IP_MAX);
      }),
    );
  });
});
