import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canCancelReceipt,
  checkPayee,
  checkRecipientInn,
  checkRegistryAction,
  decideReceipt,
  decideRegistration,
  NPD_STATUSES,
  paidRegistryStatus,
  RECEIPT_STATUSES,
  receiptNumberOf,
  recipientStatusOf,
} from './self-employed.ts';

describe('a recipient', () => {
  it('given a person’s INN with right control digits, when checked, then it passes; a company’s or a wrong one does not', () => {
    assert.equal(checkRecipientInn('500100732259'), undefined);
    assert.equal(checkRecipientInn('500100732250')?.fieldName, 'inn');
    assert.equal(checkRecipientInn('7707083893')?.fieldName, 'inn');
  });

  it('given a waiting registration, when its time comes, then it is ACTIVE unless a test set a status', () => {
    assert.equal(decideRegistration(undefined), 'ACTIVE');
    assert.equal(decideRegistration('NOT_CONFIRM'), 'NOT_CONFIRM');
    assert.equal(decideRegistration('NOT_ACTIVE'), 'NOT_ACTIVE');
    assert.equal(decideRegistration('REGISTRATION_WAIT'), undefined, 'keeps waiting');
  });

  it('given each NPD status, then the card’s status follows it, and only ACTIVE can be paid', () => {
    assert.deepEqual(
      NPD_STATUSES.map((s) => [recipientStatusOf(s), checkPayee({ npdStatus: s }) === undefined]),
      [
        ['PROCESSING', false],
        ['REJECTED', false],
        ['REJECTED', false],
        ['ACTIVE', true],
      ],
    );
    assert.equal(checkPayee(undefined)?.errorDescription, 'No such recipient');
  });
});

describe('a receipt', () => {
  it('given an ACTIVE person, then it is issued; failed fiscalization or a lost status fail it', () => {
    assert.deepEqual(decideReceipt('ACTIVE', false), { status: 'SUCCESS' });
    assert.equal(decideReceipt('ACTIVE', true).status, 'FISCALIZE_FAILED');
    assert.equal(decideReceipt('NOT_ACTIVE', false).error?.errorCode, 'NPD_STATUS_NOT_ACTIVE');
  });

  it('can be cancelled only once issued', () => {
    assert.deepEqual(
      RECEIPT_STATUSES.filter((s) => canCancelReceipt(s)),
      ['SUCCESS'],
    );
  });

  it('has a number unique per registry and payment', () => {
    const numbers = new Set<string>();
    for (let r = 1; r <= 40; r++) for (let n = 1; n <= 40; n++) numbers.add(receiptNumberOf(r, n));
    assert.equal(numbers.size, 1600);
  });
});

describe('a registry', () => {
  it('is signed from DRAFT and paid from SUBMITTED only', () => {
    assert.equal(checkRegistryAction('submit', 'DRAFT'), undefined);
    assert.equal(checkRegistryAction('pay', 'SUBMITTED'), undefined);
    assert.match(checkRegistryAction('pay', 'DRAFT') ?? '', /needs SUBMITTED/);
    assert.match(checkRegistryAction('submit', 'EXECUTED') ?? '', /needs DRAFT/);
  });

  it('once paid, is PROCESSING while a receipt is pending, then EXECUTED, PART_EXEC or REJECTED', () => {
    const paid = { status: 'EXECUTED' as const, receipt: 'SUCCESS' as const };
    const refused = { status: 'REJECTED' as const, receipt: null };
    assert.equal(paidRegistryStatus([paid, { status: 'EXECUTED', receipt: 'IN_PROGRESS' }]), 'PROCESSING');
    assert.equal(paidRegistryStatus([paid, paid]), 'EXECUTED');
    assert.equal(paidRegistryStatus([paid, refused]), 'PART_EXEC');
    assert.equal(paidRegistryStatus([refused]), 'REJECTED');
  });
});
