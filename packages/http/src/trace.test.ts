import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveTrace, traceparentFor } from './trace.ts';

/** W3C Trace Context, version 00: lowercase hex, and neither the trace id nor the parent id all zeros. */
function assertValidTraceparent(value: string): void {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value);
  assert.ok(match, `not a traceparent: ${JSON.stringify(value)}`);
  assert.notEqual(match[1], '0'.repeat(32), `all-zero trace id: ${value}`);
  assert.notEqual(match[2], '0'.repeat(16), `all-zero parent id: ${value}`);
}

const VALID_PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const VALID_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const FALLBACK = 'order-checkout-42';
/** What the X-Trace-Id rule accepts: 8 to 64 of letters, digits, `_` and `-`. */
const acceptedTraceIds = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
  // 32 lowercase hex characters take the other branch of traceparentFor (used as is, not hashed).
  fc.stringMatching(/^[0-9a-f]{32}$/),
);

describe('resolveTrace', () => {
  it('given a valid traceparent and an X-Trace-Id, when resolved, then the traceparent wins', () => {
    const trace = resolveTrace({ traceparent: VALID_PARENT, 'x-trace-id': FALLBACK });
    assert.equal(trace.traceId, VALID_TRACE_ID);
    assert.match(trace.spanId, /^[0-9a-f]{16}$/);
  });

  it('given a traceparent from a future version with unknown flags, when resolved, then its trace id is kept', () => {
    const trace = resolveTrace({ traceparent: `01-${VALID_TRACE_ID}-00f067aa0ba902b7-ff` });
    assert.equal(trace.traceId, VALID_TRACE_ID);
  });

  it('given repeated headers, when resolved, then the first value is used', () => {
    const trace = resolveTrace({ traceparent: [VALID_PARENT, `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`] });
    assert.equal(trace.traceId, VALID_TRACE_ID);
  });

  const badParents: ReadonlyArray<[string, string]> = [
    ['upper-case hex', VALID_PARENT.toUpperCase()],
    ['version ff', `ff-${VALID_TRACE_ID}-00f067aa0ba902b7-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['a short trace id', `00-${VALID_TRACE_ID.slice(1)}-00f067aa0ba902b7-01`],
    ['a long trace id', `00-${VALID_TRACE_ID}0-00f067aa0ba902b7-01`],
    ['a short parent id', `00-${VALID_TRACE_ID}-00f067aa0ba902b-01`],
    ['a one-digit version', `0-${VALID_TRACE_ID}-00f067aa0ba902b7-01`],
    ['three-digit flags', `00-${VALID_TRACE_ID}-00f067aa0ba902b7-011`],
    ['a trailing newline', `${VALID_PARENT}\n`],
    ['surrounding garbage', `x${VALID_PARENT}`],
    ['the empty string', ''],
  ];
  for (const [what, traceparent] of badParents) {
    it(`given a traceparent with ${what}, when resolved, then X-Trace-Id is used instead`, () => {
      assert.equal(resolveTrace({ traceparent, 'x-trace-id': FALLBACK }).traceId, FALLBACK);
    });
  }

  const badTraceIds: ReadonlyArray<[string, string]> = [
    ['spaces', 'trace id with spaces'],
    ['too long', 'a'.repeat(65)],
    ['too short', 'a'.repeat(7)],
    ['CR LF header injection', 'abcdefgh\r\nSet-Cookie: session=stolen'],
    ['a trailing newline', 'abcdefgh\n'],
    ['a NUL byte', 'abcdefgh\u0000'],
    ['non-ASCII letters', 'trаce-ïd-42'],
    ['a quote and angle brackets', '"><script>1</script>'],
    ['the empty string', ''],
  ];
  for (const [what, given] of badTraceIds) {
    it(`given an X-Trace-Id with ${what} and no traceparent, when resolved, then a fresh 32-hex id replaces it`, () => {
      const trace = resolveTrace({ 'x-trace-id': given });
      assert.match(trace.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(trace.traceId, given);
    });
  }

  it('given a bad traceparent and a bad X-Trace-Id, when resolved, then a fresh id is generated', () => {
    const trace = resolveTrace({ traceparent: 'garbage', 'x-trace-id': 'bad id' });
    assert.match(trace.traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(trace.traceId, '0'.repeat(32));
  });

  it('given no headers, when resolved twice, then two different trace and span ids come out', () => {
    const a = resolveTrace({});
    const b = resolveTrace({});
    assert.notEqual(a.traceId, b.traceId);
    assert.notEqual(a.spanId, b.spanId);
  });

  it('given any X-Trace-Id the rule accepts, when resolved, then it is kept verbatim', () => {
    fc.assert(
      fc.property(acceptedTraceIds, (given) => {
        assert.equal(resolveTrace({ 'x-trace-id': given }).traceId, given);
      }),
    );
  });
});

describe('traceparentFor', () => {
  it('given a trace taken from a traceparent, when rendered, then the trace id is carried and the span is ours', () => {
    const trace = resolveTrace({ traceparent: VALID_PARENT });
    const out = traceparentFor(trace);
    assertValidTraceparent(out);
    assert.equal(out, `00-${VALID_TRACE_ID}-${trace.spanId}-01`);
  });

  it('given a custom X-Trace-Id, when rendered twice, then it hashes to the same trace id', () => {
    const a = traceparentFor(resolveTrace({ 'x-trace-id': FALLBACK }));
    const b = traceparentFor(resolveTrace({ 'x-trace-id': FALLBACK }));
    assert.equal(a.split('-')[1], b.split('-')[1]);
  });

  it('given any X-Trace-Id the rule accepts, when rendered, then the traceparent is valid', () => {
    fc.assert(
      fc.property(acceptedTraceIds, (given) => {
        assertValidTraceparent(traceparentFor(resolveTrace({ 'x-trace-id': given })));
      }),
    );
  });

  it('given an X-Trace-Id of 32 zeros (accepted by the X-Trace-Id rule), when rendered, then the traceparent is still valid', () => {
    // 32 zeros passes the X-Trace-Id rule and looks like hex, but W3C forbids an all-zero trace id.
    const trace = resolveTrace({ 'x-trace-id': '0'.repeat(32) });
    assertValidTraceparent(traceparentFor(trace));
  });
});
