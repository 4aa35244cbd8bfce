import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalJson,
  IDEMPOTENCY_KEY_LENGTH_MAX,
  isValidIdempotencyKey,
  jsonResponse,
  refId,
  requestHash,
} from './idempotency.ts';

describe('request identity', () => {
  it('is the same for the same body in any key order, and differs by method, path or body', () => {
    assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
    const h = (m: string, p: string, b: unknown) => requestHash(m, p, b).toString('hex');
    assert.equal(h('POST', '/x', { a: 1, b: 2 }), h('post', '/x', { b: 2, a: 1 }));
    assert.notEqual(h('POST', '/x', { a: 1 }), h('POST', '/y', { a: 1 }));
    assert.notEqual(h('POST', '/x', { a: 1 }), h('POST', '/x', { a: 2 }));
  });

  it('given no body, then it hashes as JSON null, so a missing body and null are one request', () => {
    assert.equal(
      requestHash('POST', '/x', undefined).toString('hex'),
      requestHash('POST', '/x', null).toString('hex'),
    );
  });

  it('given two scopes, then the same key is two refs', () => {
    assert.notEqual(refId({ scope: 'usr_1', key: 'k' }), refId({ scope: 'usr_2', key: 'k' }));
    assert.notEqual(refId({ scope: 'a', key: 'bc' }), refId({ scope: 'ab', key: 'c' }));
  });
});

describe('keys and answers', () => {
  it('takes keys of 1 to 255 characters (brief §4)', () => {
    assert.equal(IDEMPOTENCY_KEY_LENGTH_MAX, 255);
    assert.equal(isValidIdempotencyKey('k'), true);
    assert.equal(isValidIdempotencyKey('k'.repeat(255)), true);
    assert.equal(isValidIdempotencyKey(''), false);
    assert.equal(isValidIdempotencyKey('k'.repeat(256)), false);
    assert.equal(isValidIdempotencyKey(undefined), false);
  });

  it('stores a JSON answer as the text that is sent', () => {
    assert.deepEqual(jsonResponse(201, { id: 'x', n: 1 }), { status: 201, body: '{"id":"x","n":1}' });
  });
});
