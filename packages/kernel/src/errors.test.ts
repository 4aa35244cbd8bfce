import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, defineErrors, isAppError } from './errors.ts';

const errors = defineErrors({
  email_taken: { status: 409, title: 'Email already registered' },
  rate_limited: { status: 429, title: 'Too many requests' },
});

describe('defineErrors', () => {
  it('given a catalogue, when a factory is called with a detail, then the error carries code, status, title and detail', () => {
    const err = errors.email_taken('alice@example.com is already registered');
    assert.ok(err instanceof AppError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'AppError');
    assert.equal(err.code, 'email_taken');
    assert.equal(err.status, 409);
    assert.equal(err.title, 'Email already registered');
    assert.equal(err.message, 'alice@example.com is already registered');
    assert.equal(err.errors, undefined);
    assert.equal(err.headers, undefined);
    assert.ok(err.stack?.includes('errors.test.ts'), 'the stack points at the caller');
  });

  it('given no detail, when a factory is called, then the title is the detail', () => {
    assert.equal(errors.rate_limited().message, 'Too many requests');
  });

  it('given field errors and headers, when a factory is called, then both travel on the error', () => {
    const err = errors.rate_limited('Slow down', {
      errors: [{ field: '/email', message: 'too many attempts' }],
      headers: { 'retry-after': '30' },
    });
    assert.deepEqual(err.errors, [{ field: '/email', message: 'too many attempts' }]);
    assert.deepEqual(err.headers, { 'retry-after': '30' });
  });

  it('given a catalogue, when listed, then it has exactly one factory per code', () => {
    assert.deepEqual(Object.keys(errors).sort(), ['email_taken', 'rate_limited']);
  });

  it('given two calls of one factory, when compared, then each call makes a fresh error', () => {
    assert.notEqual(errors.email_taken(), errors.email_taken());
  });
});

describe('isAppError', () => {
  it('given an AppError, when checked, then it is one', () => {
    assert.equal(isAppError(errors.email_taken()), true);
  });

  it('given look-alikes, when checked, then none is an AppError', () => {
    const lookAlike = { name: 'AppError', code: 'email_taken', status: 409, title: 'x', message: 'x' };
    for (const value of [lookAlike, new Error('x'), null, undefined, 'email_taken', 409]) {
      assert.equal(isAppError(value), false, String(value));
    }
  });
});
