import type { IncomingHttpHeaders } from 'node:http';
import { FORWARDED_SIGNATURE_HEADER, signForwardedFor } from '@strongbox/http';

/** What the gateway knows about the caller's request when it forwards it. */
export interface ForwardContext {
  readonly traceId: string;
  /** The gateway's own `traceparent`, so the upstream's span is a child of the gateway's. */
  readonly traceparent: string | undefined;
  readonly clientIp: string;
  /** Signs `clientIp` so the upstream believes it (ADR 0021); undefined: sent unsigned, not believed. */
  readonly forwardingSecret: string | undefined;
  readonly protocol: string;
  readonly host: string | undefined;
}

const W3C_TRACE_ID = /^[0-9a-f]{32}$/;
const HOP_BY_HOP = ['expect', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection'] as const;

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
 */
export function forwardHeaders(headers: IncomingHttpHeaders, ctx: ForwardContext): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  delete out['forwarded'];
  // Hop-by-hop: they describe the caller's connection to the gateway, not the gateway's to the upstream
  // (and undici refuses `expect` outright, which must not look like an upstream failure).
  for (const name of HOP_BY_HOP) delete out[name];
  out['x-trace-id'] = ctx.traceId;
  if (W3C_TRACE_ID.test(ctx.traceId) && ctx.traceparent) {
    out['traceparent'] = ctx.traceparent;
  } else {
    // Vendor state without its traceparent would describe a trace the upstream cannot join.
    delete out['traceparent'];
    delete out['tracestate'];
  }
  out['x-forwarded-for'] = ctx.clientIp;
  if (ctx.forwardingSecret)
    out[FORWARDED_SIGNATURE_HEADER] = signForwardedFor(ctx.forwardingSecret, ctx.clientIp);
  else delete out[FORWARDED_SIGNATURE_HEADER];
  out['x-forwarded-proto'] = ctx.protocol;
  if (ctx.host) out['x-forwarded-host'] = ctx.host;
  else delete out['x-forwarded-host'];
  return out;
}

/**
 * Headers returned to the caller. The upstream's trace headers are dropped so the caller sees the
 * gateway's own (same trace id, the gateway's span); everything else, status and body pass unchanged.
 */
export function returnHeaders<H extends Record<string, unknown>>(headers: H): H {
  const out = { ...headers };
  delete out['x-trace-id'];
  delete out['traceparent'];
  return out;
}
