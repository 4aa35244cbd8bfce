import type { IncomingHttpHeaders } from 'node:http';
import { FORWARDED_SIGNATURE_HEADER, signForwardedFor } from '@strongbox/http';

/** Addresses whose signature a signer remembers; beyond it the oldest is forgotten (a bounded FIFO). */
export const SIGNED_ADDRESSES_MAX = 10_000;

/** The gateway's signature of an address it sends upstream as X-Forwarded-For. */
export type ForwardedForSigner = (clientIp: string) => string;

/**
 * signForwardedFor under `secret`, remembered per address. The HMAC was 2–3 % of the gateway's CPU for
 * each proxied request, and an address comes back request after request (a marketplace's servers, the
 * few addresses of a load balancer); a signature depends on nothing but the secret and the address.
 */
export function forwardedForSigner(secret: string): ForwardedForSigner {
  const signed = new Map<string, string>();
  return (clientIp) => {
    let signature = signed.get(clientIp);
    if (signature === undefined) {
      signature = signForwardedFor(secret, clientIp);
      if (signed.size >= SIGNED_ADDRESSES_MAX) signed.delete(signed.keys().next().value as string);
      signed.set(clientIp, signature);
    }
    return signature;
  };
}

/** What the gateway knows about the caller's request when it forwards it. */
export interface ForwardContext {
  readonly traceId: string;
  /** The gateway's own `traceparent`, so the upstream's span is a child of the gateway's. */
  readonly traceparent: string | undefined;
  readonly clientIp: string;
  /** Signs `clientIp` so the upstream believes it (ADR 0021); undefined: sent unsigned, not believed. */
  readonly sign: ForwardedForSigner | undefined;
  readonly protocol: string;
  readonly host: string | undefined;
}

const W3C_TRACE_ID = /^[0-9a-f]{32}$/;
/**
 * The caller's headers that never go upstream as sent: hop-by-hop ones describe the caller's connection
 * to the gateway, not the gateway's to the upstream (and undici refuses `expect` outright, which must not
 * look like an upstream failure); Host and Content-Length are the upstream connection's (undici sets them
 * for the upstream and for the body as sent); the trace and forwarding headers are the gateway's to set.
 */
const NOT_PASSED_ON = new Set([
  'connection',
  'transfer-encoding',
  'host',
  'content-length',
  'expect',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  FORWARDED_SIGNATURE_HEADER,
  'x-trace-id',
  'traceparent',
  'tracestate',
]);
/** Upstream trace headers the caller never sees: the gateway's own are on the answer. */
const NOT_RETURNED = new Set(['x-trace-id', 'traceparent']);

/**
 * Headers sent upstream. Authorization and everything else pass unchanged; the trace headers carry the
 * gateway's trace id. A caller-chosen X-Trace-Id that is not 32 hex digits cannot live in a traceparent
 * (it would be hashed into another id), and upstreams prefer traceparent, so in that case only X-Trace-Id
 * is sent and the id stays the same in every service's logs and records.
 *
 * Caller-supplied Forwarded and X-Forwarded-* headers are replaced rather than appended to: otherwise a
 * caller could pick the IP that per-IP rate limits and audit logs upstream see. `clientIp` is the
 * connection's address, or, behind a trusted load balancer (GATEWAY_TRUSTED_PROXIES), the one it reports.
 * Its signature is the gateway's own, never the caller's: upstreams believe the address only with it.
 * The headers are copied once, leaving out what is not passed on (deleting from a copy would cost a
 * second copy's worth and leave V8 a slower object).
 */
export function forwardHeaders(headers: IncomingHttpHeaders, ctx: ForwardContext): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  // RFC 9110 §7.6.1: the headers Connection names are hop-by-hop too.
  const named = headers.connection ? connectionOptions(headers.connection) : undefined;
  for (const name of Object.keys(headers)) {
    if (!NOT_PASSED_ON.has(name) && !named?.has(name)) out[name] = headers[name];
  }
  out['x-trace-id'] = ctx.traceId;
  // Vendor state without its traceparent would describe a trace the upstream cannot join.
  if (W3C_TRACE_ID.test(ctx.traceId) && ctx.traceparent) {
    out['traceparent'] = ctx.traceparent;
    if (headers['tracestate'] !== undefined) out['tracestate'] = headers['tracestate'];
  }
  out['x-forwarded-for'] = ctx.clientIp;
  if (ctx.sign) out[FORWARDED_SIGNATURE_HEADER] = ctx.sign(ctx.clientIp);
  out['x-forwarded-proto'] = ctx.protocol;
  if (ctx.host) out['x-forwarded-host'] = ctx.host;
  return out;
}

function connectionOptions(value: string): Set<string> {
  return new Set(value.split(',').map((option) => option.trim().toLowerCase()));
}

/**
 * Headers returned to the caller. The upstream's trace headers are dropped so the caller sees the
 * gateway's own (same trace id, the gateway's span); everything else, status and body pass unchanged.
 */
export function returnHeaders<H extends Record<string, unknown>>(headers: H): H {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) if (!NOT_RETURNED.has(name)) out[name] = headers[name];
  return out as H;
}
