import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBeneficiary, decideScoring } from './beneficiary.ts';
import { decideIdentify } from './incoming.ts';
import { afterFailure, NOTIFICATION_RETRIES_MAX } from './notifications.ts';
import { take } from './rate-limit.ts';

describe('beneficiary rules', () => {
  it('given a resident without an INN or a self-employed entrepreneur, when checked, then it is refused', () => {
    assert.equal(checkBeneficiary({ type: 'FL_RESIDENT' })?.code, 'VALIDATION_ERROR');
    assert.equal(
      checkBeneficiary({ type: 'IP_RESIDENT', inn: '500100732259', isSelfEmployed: true })?.code,
      'VALIDATION_ERROR',
    );
    assert.equal(checkBeneficiary({ type: 'FL_NONRESIDENT' }), undefined);
  });

  it('given a scoring override, when decided, then stuck changes nothing and failed gives errors', () => {
    assert.equal(decideScoring('stuck'), undefined);
    assert.equal(decideScoring('failed')?.status, 'FAILED');
    assert.deepEqual(decideScoring(undefined), { status: 'SUCCEEDED', errors: [] });
  });
});

describe('identify', () => {
  it('given shares that add up, when identified, then a beneficiary named twice is credited once with the sum', () => {
    const d = decideIdentify(
      { amount: 30n, identified: false },
      [
        { beneficiaryId: 'a', amount: 10n },
        { beneficiaryId: 'a', amount: 20n },
      ],
      new Set(['a']),
    );
    assert.deepEqual(d, { ok: true, credits: [{ beneficiaryId: 'a', amount: 30n }] });
  });

  it('given an unknown beneficiary, when identified, then NOT_FOUND', () => {
    assert.equal(
      (
        decideIdentify(
          { amount: 1n, identified: false },
          [{ beneficiaryId: 'x', amount: 1n }],
          new Set(),
        ) as { code: string }
      ).code,
      'NOT_FOUND',
    );
  });
});

describe('limits', () => {
  it('given a rate of 10/s, when 11 calls come at one instant, then the 11th waits a second', () => {
    let bucket: Parameters<typeof take>[0];
    const answers = Array.from({ length: 11 }, () => {
      const t = take(bucket, 1_000, 10);
      bucket = t.bucket;
      return t;
    });
    assert.equal(answers.filter((a) => a.allowed).length, 10);
    assert.deepEqual(answers[10], { allowed: false, bucket: answers[10]?.bucket, retryAfterS: 1 });
    assert.ok(take(bucket, 1_100, 10).allowed, 'a token is back after a tenth of a second');
  });

  it('given notification failures, then retries wait longer each time and stop after the fifth', () => {
    const delays = Array.from({ length: NOTIFICATION_RETRIES_MAX }, (_, i) => afterFailure(i + 1, 1_000));
    assert.deepEqual(
      delays.map((d) => (d.retry ? d.delayMs : -1)),
      [1_000, 4_000, 16_000, 64_000, 256_000],
    );
    assert.deepEqual(afterFailure(NOTIFICATION_RETRIES_MAX + 1, 1_000), { retry: false });
  });
});
