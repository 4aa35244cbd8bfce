import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rotated, signingSecrets } from './secrets.ts';

const T0 = new Date('2026-03-01T00:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

describe('secret rotation', () => {
  it('given a rotation with a grace period, both secrets sign until it ends, then only the new one', () => {
    const before = { secret: 'whsec_old', previousSecret: null, previousSecretExpiresAt: null };
    const after = rotated(before, 'whsec_new', T0, 60_000);
    assert.deepEqual(signingSecrets(after, later(59_999)), ['whsec_new', 'whsec_old']);
    assert.deepEqual(signingSecrets(after, later(60_000)), ['whsec_new']);
  });

  it('a rotation without grace drops the old secret at once', () => {
    const after = rotated(
      { secret: 'a', previousSecret: 'z', previousSecretExpiresAt: later(1) },
      'b',
      T0,
      0,
    );
    assert.deepEqual(signingSecrets(after, T0), ['b']);
  });
});
