import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_CHARS,
  RECOVERY_CODE_PATTERN,
  secondFactorNeed,
} from './totp.ts';

describe('secondFactorNeed', () => {
  it('given a user without TOTP, then nothing more is needed, whatever was sent', () => {
    assert.deepEqual(secondFactorNeed(false, {}), { kind: 'none' });
    assert.deepEqual(secondFactorNeed(false, { totpCode: '123456' }), { kind: 'none' });
  });

  it('given an enrolled user, then a code is required, and the TOTP code is preferred', () => {
    assert.deepEqual(secondFactorNeed(true, {}), { kind: 'required' });
    assert.deepEqual(secondFactorNeed(true, { recoveryCode: 'x' }), { kind: 'recovery', code: 'x' });
    assert.deepEqual(secondFactorNeed(true, { totpCode: '1', recoveryCode: 'x' }), {
      kind: 'totp',
      code: '1',
    });
  });
});

describe('recovery codes', () => {
  const raw = fc.string({
    unit: fc.constantFrom(...RECOVERY_CODE_ALPHABET),
    minLength: RECOVERY_CODE_CHARS,
    maxLength: RECOVERY_CODE_CHARS,
  });

  it('given a code as shown, typed in capitals or with spaces, then it normalizes to itself', () => {
    fc.assert(
      fc.property(raw, (code) => {
        const shown = formatRecoveryCode(code);
        assert.match(shown, new RegExp(RECOVERY_CODE_PATTERN));
        assert.equal(normalizeRecoveryCode(shown), code);
        assert.equal(normalizeRecoveryCode(shown.toUpperCase().replaceAll('-', ' ')), code);
      }),
    );
  });

  it('given the wrong length or a character outside base32, then it is no recovery code', () => {
    assert.equal(normalizeRecoveryCode('abcd-efgh-ijkl'), undefined);
    assert.equal(normalizeRecoveryCode('abcd-efgh-ijkl-mno1'), undefined);
  });
});
