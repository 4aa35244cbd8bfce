import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changesBankDetails } from './recipient.ts';

describe('changesBankDetails', () => {
  const was = { accountNumber: '40702810500000000001', bik: '044525974' };
  it('is a change of the account or of its bank, never the first profile', () => {
    assert.equal(changesBankDetails(undefined, was), false);
    assert.equal(changesBankDetails(was, { ...was }), false);
    assert.equal(changesBankDetails(was, { ...was, accountNumber: '40702810500000000002' }), true);
    assert.equal(changesBankDetails(was, { ...was, bik: '044525225' }), true);
  });
});
