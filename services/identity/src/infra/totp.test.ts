import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from 'otplib';
import { matchStep } from './totp.ts';

/** RFC 6238 Appendix B, SHA-1: the seed is the ASCII of "12345678901234567890", codes have 8 digits. */
const RFC_SEED = new TextEncoder().encode('12345678901234567890');
const RFC_SHA1 = [
  { t: 59, code: '94287082' },
  { t: 1111111109, code: '07081804' },
  { t: 1111111111, code: '14050471' },
  { t: 1234567890, code: '89005924' },
  { t: 2000000000, code: '69279037' },
  { t: 20000000000, code: '65353130' },
];
/** The same seed in base32, as an authenticator app would be given it. */
const RFC_SEED_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP (RFC 6238)', () => {
  it('given the RFC seed, then otplib answers the RFC test vectors', async () => {
    for (const { t, code } of RFC_SHA1) {
      assert.equal(
        await generate({ secret: RFC_SEED, epoch: t, digits: 8, algorithm: 'sha1' }),
        code,
        `T=${t}`,
      );
    }
  });

  it('given a 6-digit code (the vectors truncated), then it matches its step and one step either side', async () => {
    // 6 digits are the same truncation modulo 10^6: the last six of the RFC's eight.
    const code = '081804';
    const step = Math.floor(1111111109 / 30);
    assert.equal(await matchStep(RFC_SEED_BASE32, code, 1111111109, null), step);
    assert.equal(await matchStep(RFC_SEED_BASE32, code, 1111111109 + 30, null), step);
    assert.equal(await matchStep(RFC_SEED_BASE32, code, 1111111109 - 30, null), step);
    assert.equal(await matchStep(RFC_SEED_BASE32, code, 1111111109 + 60, null), undefined);
    assert.equal(await matchStep(RFC_SEED_BASE32, code, 1111111109 - 60, null), undefined);
  });

  it('given the step was already used, then the same code is refused', async () => {
    const step = Math.floor(1111111109 / 30);
    assert.equal(await matchStep(RFC_SEED_BASE32, '081804', 1111111109, step), undefined);
    assert.equal(await matchStep(RFC_SEED_BASE32, '081804', 1111111109, step - 1), step);
  });
});
