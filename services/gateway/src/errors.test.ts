import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyUpstreamError, isTransportFailure, upstreamProblem } from './errors.ts';

/** A transport error with a code, wrapping the socket's own error as its cause when there is one. */
function wrapped(outer: string, inner?: string): Error {
  const cause = inner ? Object.assign(new Error(inner), { code: inner }) : undefined;
  return Object.assign(new Error(outer, cause ? { cause } : {}), { code: outer });
}

describe('classifyUpstreamError', () => {
  it('maps a refused or unresolvable connection to unavailable (nothing was sent)', () => {
    assert.equal(classifyUpstreamError(wrapped('UND_ERR_SOCKET', 'ECONNREFUSED')), 'unavailable');
    assert.equal(classifyUpstreamError(wrapped('ENOTFOUND')), 'unavailable');
    assert.equal(
      classifyUpstreamError(wrapped('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT')),
      'unavailable',
    );
  });

  it('maps a response that never came to timeout', () => {
    assert.equal(classifyUpstreamError(wrapped('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
    assert.equal(classifyUpstreamError(wrapped('UND_ERR_BODY_TIMEOUT')), 'timeout');
  });

  it('maps anything else, including resets mid-request, to bad_gateway', () => {
    assert.equal(classifyUpstreamError(wrapped('ECONNRESET', 'ECONNRESET')), 'bad_gateway');
    assert.equal(classifyUpstreamError(wrapped('UND_ERR_SOCKET', 'UND_ERR_SOCKET')), 'bad_gateway');
    assert.equal(classifyUpstreamError(new Error('odd')), 'bad_gateway');
    assert.equal(classifyUpstreamError('not even an error'), 'bad_gateway');
  });
});

describe('isTransportFailure', () => {
  const wrapped = (code: string) =>
    new Error('wrapper', { cause: Object.assign(new Error('inner'), { code }) });

  it('counts refused, unreachable, timed-out and dropped connections, however deeply wrapped', () => {
    for (const code of [
      'ECONNREFUSED',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'ECONNRESET',
      'UND_ERR_SOCKET',
    ])
      assert.equal(isTransportFailure(wrapped(code)), true, code);
  });

  it("does not count errors about the caller's request or anything without a transport code", () => {
    assert.equal(isTransportFailure(wrapped('UND_ERR_NOT_SUPPORTED')), false);
    assert.equal(isTransportFailure(new Error('expect header not supported')), false);
    assert.equal(isTransportFailure('not even an error'), false);
  });
});

describe('upstreamProblem', () => {
  it('gives each failure its status and stable code', () => {
    const cases = [
      ['unavailable', 503, 'upstream_unavailable'],
      ['timeout', 504, 'upstream_timeout'],
      ['bad_gateway', 502, 'bad_gateway'],
    ] as const;
    for (const [failure, status, code] of cases) {
      const err = upstreamProblem(failure, 'identity');
      assert.equal(err.status, status);
      assert.equal(err.code, code);
      assert.match(err.message, /identity/);
    }
  });
});
