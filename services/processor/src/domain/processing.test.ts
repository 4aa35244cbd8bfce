import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_FAILURES, simulateFulfilment, stallsAttempt } from './fulfilment.ts';
import { decideAfterStep } from './processing.ts';

const policy = { attemptsMax: 3, retryInMs: 400 };
const never = () => 0.99;

describe('processing outcome', () => {
  it('given a running attempt, when the step is done, then the record completes', () => {
    assert.deepEqual(decideAfterStep(1, { kind: 'done' }, policy), { status: 'completed' });
  });
  it('given a running attempt, when the step fails permanently, then the record fails at once', () => {
    assert.deepEqual(decideAfterStep(1, { kind: 'permanent', error: 'no' }, policy), {
      status: 'failed',
      error: 'no',
    });
  });
  it('given an attempt below the limit, when the step fails transiently, then it is retried later', () => {
    assert.deepEqual(decideAfterStep(2, { kind: 'transient', error: 'busy' }, policy), {
      status: 'pending',
      error: 'busy',
      retryInMs: 400,
    });
  });
  it('given the last attempt, when the step fails transiently, then the record fails', () => {
    const after = decideAfterStep(3, { kind: 'transient', error: 'busy' }, policy);
    assert.equal(after.status, 'failed');
  });
});

describe('simulated fulfilment', () => {
  const rules = {
    ...NO_FAILURES,
    failAmounts: new Set([13n]),
    failDescriptions: ['always-fail'],
    flakyDescriptions: ['flaky'],
  };
  it('fails listed amounts and descriptions permanently', () => {
    assert.equal(
      simulateFulfilment({ amountMinor: 13n, description: null }, 1, rules, never).kind,
      'permanent',
    );
    assert.equal(
      simulateFulfilment({ amountMinor: 5n, description: 'This ALWAYS-FAIL order' }, 1, rules, never).kind,
      'permanent',
    );
  });
  it('fails flaky descriptions transiently on the first attempts, then succeeds', () => {
    const o = { amountMinor: 5n, description: 'flaky one' };
    assert.equal(simulateFulfilment(o, 1, rules, never).kind, 'transient');
    assert.equal(simulateFulfilment(o, 2, rules, never).kind, 'transient');
    assert.equal(simulateFulfilment(o, 3, rules, never).kind, 'done');
  });
  it('fails transiently at the configured rate', () => {
    const o = { amountMinor: 5n, description: null };
    assert.equal(simulateFulfilment(o, 1, { ...rules, failureRate: 0.5 }, () => 0.2).kind, 'transient');
    assert.equal(simulateFulfilment(o, 1, { ...rules, failureRate: 0.5 }, () => 0.7).kind, 'done');
  });
});

describe('stalled attempts', () => {
  const rules = { ...NO_FAILURES, stallDescriptions: ['stall-me'] };
  it('given a description with a stall word, when it is the first attempt, then the attempt stalls', () => {
    assert.equal(stallsAttempt({ description: 'please STALL-ME now' }, 1, rules), true);
  });
  it('given a stalled order taken over, when a later attempt runs, then it does not stall', () => {
    assert.equal(stallsAttempt({ description: 'stall-me' }, 2, rules), false);
  });
  it('given no stall word, when any attempt runs, then it does not stall', () => {
    assert.equal(stallsAttempt({ description: 'a book' }, 1, rules), false);
    assert.equal(stallsAttempt({ description: null }, 1, rules), false);
    assert.equal(stallsAttempt({ description: 'stall-me' }, 1, NO_FAILURES), false);
  });
});
