import { createHash, randomUUID } from 'node:crypto';

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags, all lowercase hex. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** A caller-chosen `X-Trace-Id` is kept if it is short and plain; anything else is replaced, never echoed. */
const TRACE_ID = /^[A-Za-z0-9_-]{8,64}$/;
const ZERO_TRACE = '0'.repeat(32);

export interface TraceContext {
  readonly traceId: string;
  /** The span id this hop answers with in its own `traceparent`. */
  readonly spanId: string;
}

/**
 * `traceparent` wins when valid (it is the standard), then `X-Trace-Id`, else a fresh id is generated.
 *
 * @example
 * resolveTrace({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }).traceId
 */
export function resolveTrace(headers: Record<string, string | string[] | undefined>): TraceContext {
  const fresh = randomHex32();
  const spanId = fresh.slice(16);
  const parent = single(headers['traceparent']);
  const match = parent ? TRACEPARENT.exec(parent) : null;
  if (match && match[1] !== 'ff' && match[2] !== ZERO_TRACE) return { traceId: match[2] as string, spanId };
  const given = single(headers['x-trace-id']);
  if (given && TRACE_ID.test(given)) return { traceId: given, spanId };
  return { traceId: `${fresh.slice(0, 16)}${randomHex32().slice(16)}`, spanId };
}

/**
 * 32 random hex digits. randomUUID draws from a buffered entropy pool, where randomBytes makes a system call
 * per request (measurable at thousands per second). A UUID fixes one digit in each half (version, variant),
 * so a span id (one half) keeps 62 random bits and a trace id (halves of two UUIDs) 122; neither is ever
 * all zeros.
 */
function randomHex32(): string {
  return randomUUID().replaceAll('-', '');
}

/** A `traceparent` can only carry a 32-hex trace id; a custom X-Trace-Id is hashed into one deterministically. */
export function traceparentFor(ctx: TraceContext): string {
  // An all-zero trace id is invalid in traceparent, so it is hashed like any other non-conforming id.
  const valid = /^[0-9a-f]{32}$/.test(ctx.traceId) && ctx.traceId !== ZERO_TRACE;
  const hex = valid ? ctx.traceId : toHex32(ctx.traceId);
  return `00-${hex}-${ctx.spanId}-01`;
}

function toHex32(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
