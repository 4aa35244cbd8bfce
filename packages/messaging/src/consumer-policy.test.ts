import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransactionAborted } from '@strongbox/postgres';
import {
  CONSUMER_RETRY_BACKOFF,
  decideAfterFailure,
  describeError,
  ERROR_TEXT_MAX,
  HandlerFailed,
  limitProblems,
  overDeliveryLimit,
  splitsBatch,
} from './consumer-policy.ts';
import { parseEnvelope } from './envelope.ts';
import { attemptOf, retryHeaders } from './rabbit-topology.ts';

describe('decideAfterFailure', () => {
  it('given attempts left, then it retries after a jittered delay that grows with the attempt, up to the cap', () => {
    const top = () => 0.999_999;
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
      decideAfterFailure(n, 100, CONSUMER_RETRY_BACKOFF, top),
    );
    const ms = delays.map((d) => (d.kind === 'retry' ? d.delayMs : -1));
    assert.deepEqual(ms, [999, 1_999, 3_999, 7_999, 15_999, 31_999, 59_999, 59_999]);
    assert.deepEqual(
      decideAfterFailure(3, 8, CONSUMER_RETRY_BACKOFF, () => 0),
      { kind: 'retry', delayMs: 0 },
    );
  });

  it('given the last attempt failed, then it dead-letters', () => {
    assert.deepEqual(decideAfterFailure(8, 8, CONSUMER_RETRY_BACKOFF, Math.random), { kind: 'dead-letter' });
    assert.deepEqual(decideAfterFailure(1, 1, CONSUMER_RETRY_BACKOFF, Math.random), { kind: 'dead-letter' });
  });

  it('given a delivery beyond attemptsMax, then it is over the delivery limit', () => {
    assert.equal(overDeliveryLimit(8, 8), false);
    assert.equal(overDeliveryLimit(9, 8), true);
  });
});

describe('describeError and limitProblems', () => {
  it('keeps error texts short enough to store and show', () => {
    assert.equal(describeError(new TypeError('bad')), 'TypeError: bad');
    assert.equal(describeError('plain'), 'plain');
    assert.equal(describeError(new Error('x'.repeat(10_000))).length, ERROR_TEXT_MAX);
  });

  it('bounds attempts and concurrency', () => {
    assert.deepEqual(limitProblems(8, 4), []);
    assert.equal(limitProblems(0, 4).length, 1);
    assert.equal(limitProblems(8, 65).length, 1);
    assert.equal(limitProblems(1.5, 0).length, 2);
  });
});

describe('parseEnvelope', () => {
  const good = {
    specversion: '1.0',
    id: 'evt_1',
    source: '/strongbox/test',
    type: 'test.thing.happened',
    subject: 'thing_1',
    time: '2026-01-01T00:00:00.000Z',
    datacontenttype: 'application/json',
    data: {},
  };

  it('accepts our CloudEvents and refuses anything else with the reason', () => {
    assert.equal(parseEnvelope(good).ok, true);
    const problem = (body: unknown) => {
      const r = parseEnvelope(body);
      return r.ok ? 'ok' : r.problem;
    };
    assert.equal(problem('text'), 'the message is not a JSON object');
    assert.equal(problem([good]), 'the message is not a JSON object');
    assert.equal(problem({ ...good, specversion: '0.3' }), 'specversion is not "1.0"');
    assert.equal(problem({ ...good, id: '' }), 'id is missing or not a string');
    assert.equal(problem({ ...good, traceid: 7 }), 'traceid is not a string');
  });
});

describe('RabbitMQ attempt counting', () => {
  it('adds the broker’s redeliveries to the attempt of the copy', () => {
    assert.equal(attemptOf(undefined), 1);
    assert.equal(attemptOf({ 'x-delivery-count': 2 }), 3);
    assert.equal(attemptOf({ 'x-strongbox-attempt': 4, 'x-delivery-count': 1 }), 5);
    assert.equal(attemptOf({ 'x-strongbox-attempt': 'junk' }), 1);
  });

  it('gives a retry copy the next attempt and drops the broker’s bookkeeping', () => {
    const headers = { 'x-delivery-count': 2, 'x-death': [{}], 'x-first-death-reason': 'expired', keep: 'me' };
    assert.deepEqual(retryHeaders(headers, 3), { keep: 'me', 'x-strongbox-attempt': 4 });
  });
});

describe('splitsBatch', () => {
  const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });

  it('given an error one event can cause, then its batch is split to find it', () => {
    assert.equal(splitsBatch(new HandlerFailed(new Error('event carries no orderId'))), true);
    assert.equal(splitsBatch(new HandlerFailed(pgError('23505'))), true, 'a unique violation');
    assert.equal(splitsBatch(new HandlerFailed(pgError('22P02'))), true, 'invalid input syntax');
    assert.equal(
      splitsBatch(new HandlerFailed(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))),
      true,
      'a failed call the handler makes to another service',
    );
    assert.equal(splitsBatch(new TransactionAborted()), true, 'a swallowed statement error');
  });

  it('given an error that would fail every half alike, then the batch is not split', () => {
    assert.equal(splitsBatch(new HandlerFailed(pgError('57014'))), false, 'statement timeout');
    assert.equal(splitsBatch(new HandlerFailed(pgError('53300'))), false, 'too many connections');
    assert.equal(splitsBatch(new HandlerFailed(pgError('25006'))), false, 'read-only transaction');
    assert.equal(splitsBatch(new Error('timeout exceeded when trying to connect')), false, 'pool exhausted');
    assert.equal(splitsBatch(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), false);
  });
});
