import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorBodyOf, readAnswer, retryAfterMs } from './answer.ts';
import { BankResponseInvalid, TransientFailure } from './errors.ts';
import { retryDelayMs } from './policy.ts';

const bankError = (code: string) =>
  JSON.stringify({ errorId: 'e-1', errorMessage: 'no', errorCode: code, errorDetails: [{ field: 'inn' }] });

describe('reading an answer of the bank', () => {
  it('a 2xx is its body with amounts in kopecks; an empty 204 is no body', () => {
    assert.deepEqual(readAnswer(200, '{"amount":0.29}', null, 0), {
      kind: 'ok',
      status: 200,
      body: { amount: 29n },
    });
    assert.deepEqual(readAnswer(204, '', null, 0), { kind: 'ok', status: 204, body: undefined });
    assert.throws(() => readAnswer(200, '{"amount":0.291}', null, 0), BankResponseInvalid);
    assert.throws(() => readAnswer(200, '<html>', null, 0), BankResponseInvalid);
  });

  it('a 4xx is the bank refusal, final, with its error body', () => {
    assert.deepEqual(readAnswer(400, bankError('INVALID_INN'), null, 0), {
      kind: 'refused',
      status: 400,
      error: {
        errorId: 'e-1',
        errorMessage: 'no',
        errorCode: 'INVALID_INN',
        errorDetails: [{ field: 'inn' }],
      },
    });
    assert.equal((readAnswer(409, bankError('CONFLICT'), null, 0) as { kind: string }).kind, 'refused');
  });

  it('429, 5xx and 409 IDEMPOTENCY_IN_PROGRESS tell nothing: transient, with Retry-After', () => {
    for (const [status, code] of [
      [429, 'TOO_MANY_REQUESTS'],
      [500, 'INTERNAL_ERROR'],
      [503, 'X'],
      [409, 'IDEMPOTENCY_IN_PROGRESS'],
    ] as const) {
      assert.throws(
        () => readAnswer(status, bankError(code), '2', 0),
        (err: unknown) =>
          err instanceof TransientFailure &&
          err.failure.status === status &&
          err.failure.errorCode === code &&
          err.retryAfterMs === 2_000,
      );
    }
  });

  it('an error body with an odd amount in its details is still the bank refusal', () => {
    const odd = '{"errorId":"e-2","errorMessage":"no","errorCode":"X","errorDetails":{"amount":0.001}}';
    const r = readAnswer(422, odd, null, 0);
    assert.equal(r.kind === 'refused' && r.error.errorCode, 'X');
    assert.deepEqual(errorBodyOf(422, '[1]').errorCode, 'HTTP_422');
  });

  it('an error body not in the bank shape gets a code from its status', () => {
    assert.deepEqual(errorBodyOf(502, 'Bad gateway'), {
      errorId: '',
      errorCode: 'HTTP_502',
      errorMessage: 'Bad gateway',
      errorDetails: null,
    });
  });

  it('Retry-After in seconds or as an HTTP date; anything else is ignored', () => {
    assert.equal(retryAfterMs('3', 0), 3_000);
    assert.equal(retryAfterMs(null, 0), undefined);
    assert.equal(retryAfterMs('soon', 0), undefined);
    const now = Date.parse('2026-03-01T10:00:00Z');
    assert.equal(retryAfterMs('Sun, 01 Mar 2026 10:00:05 GMT', now), 5_000);
    assert.equal(retryAfterMs('Sun, 01 Mar 2026 09:00:00 GMT', now), 0);
  });
});

describe('the wait before a retry', () => {
  const o = { backoff: { baseMs: 100, capMs: 1_000 }, retryAfterMsMax: 30_000 };
  it('is full-jitter exponential backoff: up to base × 2^(n−1), capped', () => {
    assert.equal(retryDelayMs(1, undefined, { ...o, random: () => 0.999 }), 99);
    assert.equal(retryDelayMs(3, undefined, { ...o, random: () => 0.5 }), 200);
    assert.equal(retryDelayMs(10, undefined, { ...o, random: () => 0.5 }), 500);
  });
  it('honours a longer Retry-After, up to its own cap', () => {
    assert.equal(retryDelayMs(1, 1_000, { ...o, random: () => 0.5 }), 1_000);
    assert.equal(retryDelayMs(1, 120_000, { ...o, random: () => 0.5 }), 30_000);
  });
});
