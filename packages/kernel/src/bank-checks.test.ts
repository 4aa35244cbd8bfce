import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isValidAccountForBik, isValidCardNumber, isValidInn, withControlKey } from './bank-checks.ts';

describe('checksums', () => {
  it('given known INNs, when checked, then the control digits decide', () => {
    assert.ok(isValidInn('7707083893', 'company'));
    assert.ok(isValidInn('500100732259', 'person'));
    assert.ok(!isValidInn('7707083894', 'company'));
    assert.ok(!isValidInn('500100732250', 'person'));
    assert.ok(!isValidInn('7707083893', 'person'), 'a company INN is not a person INN');
  });

  it('given any account, when its control digit is completed for a BIK, then only that digit passes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{20}$/), fc.stringMatching(/^\d{9}$/), (account, bik) => {
        const fixed = withControlKey(account, bik);
        assert.ok(isValidAccountForBik(fixed, bik));
        const other = `${fixed.slice(0, 8)}${(Number(fixed[8]) + 1) % 10}${fixed.slice(9)}`;
        assert.ok(!isValidAccountForBik(other, bik));
      }),
    );
  });

  it('given cards, when checked, then Luhn decides', () => {
    assert.ok(isValidCardNumber('4111111111111111'));
    assert.ok(!isValidCardNumber('4111111111111112'));
  });
});
