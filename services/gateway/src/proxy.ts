import { randomBytes } from 'node:crypto';
import replyFrom from '@fastify/reply-from';
import {
  type createHttpApp,
  httpErrors,
  refuseRepeatedIdempotencyKey,
  sendProblem,
  traceparentFor,
} from '@strongbox/http';
import { type Clock, systemClock } from '@strongbox/kernel';
import { upstreamBreakers } from './breakers.ts';
import type { RouteEntry, ServiceName } from './config.ts';
import { UPSTREAM_TIMEOUT_MS } from './config.ts';
import { classifyUpstreamError, gatewayErrors, upstreamProblem } from './errors.ts';
import { forwardedForSigner, forwardHeaders, returnHeaders } from './headers.ts';
import { expandRoutes, isCanonicalTarget, upstreamTarget } from './routes.ts';
import { upstreamCheck } from './upstream-check.ts';

type App = Awaited<ReturnType<typeof createHttpApp>>;

/** Connecting is quick or not happening; a host that does not accept within this is treated as down. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 2_000;
/** Open connections per upstream origin; requests beyond it queue in the pool instead of opening more. */
export const UPSTREAM_CONNECTIONS_MAX = 128;
const OCTET_STREAM = 'application/octet-stream';

/** The caller closed the connection before the upstream answered. */
class CallerGone extends Error {}

export interface ProxyOptions {
  readonly routes: readonly RouteEntry[];
  readonly upstreams: Readonly<Record<ServiceName, string>>;
  /** Signs the caller's address sent upstream (GATEWAY_FORWARDING_SECRET); none: it goes unsigned. */
  readonly forwardingSecret: string | undefined;
  /** Overrides how long an open circuit waits before it lets one request probe (tests). */
  readonly breakerHalfOpenAfterMs?: number;
  /** Ages the answers of upstream checks (upstreamMustBe). */
  readonly clock?: Clock;
}

/**
 * Forwards every routed prefix to its service. Bodies are read as raw bytes (within the app's body limit)
 * and sent on untouched, so signatures and idempotency hashes computed upstream see exactly what the
 * caller sent. Upstream answers, problems included, come back with their own status, headers and body.
 */
export async function registerProxy(app: App, opts: ProxyOptions): Promise<void> {
  const specs = expandRoutes(opts.routes);
  const sign = opts.forwardingSecret ? forwardedForSigner(opts.forwardingSecret) : undefined;
  const breakers = upstreamBreakers({
    log: app.log,
    ...(opts.breakerHalfOpenAfterMs === undefined ? {} : { halfOpenAfterMs: opts.breakerHalfOpenAfterMs }),
  });
  await app.register(async (scope) => {
    // Inside this scope only: the gateway's own routes keep JSON parsing, proxied ones never parse.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    await scope.register(replyFrom, {
      // The factory already logs each request with its trace id; two more lines per call add nothing.
      disableRequestLogging: true,
      undici: {
        connections: UPSTREAM_CONNECTIONS_MAX,
        // reply-from turns TLS verification off by default; upstreams behind https must prove who they are.
        connect: { timeout: UPSTREAM_CONNECT_TIMEOUT_MS, rejectUnauthorized: true },
      },
    });

    for (const spec of specs) {
      const { entry } = spec;
      const base = opts.upstreams[entry.service];
      const timeoutMs = entry.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
      const check = entry.upstreamMustBe
        ? upstreamCheck(base, entry.upstreamMustBe, opts.clock ?? systemClock)
        : undefined;
      scope.all(
        spec.url,
        {
          config: spec.public ? { auth: 'public' } : entry.roles ? { auth: { roles: entry.roles } } : {},
          schema: { hide: true },
        },
        async (request, reply) => {
          if (!isCanonicalTarget(request.url)) {
            return sendProblem(
              request,
              reply,
              gatewayErrors.invalid_path('Send the path without dot segments or malformed escapes'),
            );
          }
          // Forwarded, repeats would arrive joined into one header ("a, b") that no upstream can tell apart.
          refuseRepeatedIdempotencyKey(request);
          const verdict = check ? await check.get() : undefined;
          if (verdict?.kind === 'other')
            return sendProblem(
              request,
              reply,
              httpErrors.route_not_found(`${request.method} ${entry.prefix} is not routed here`),
            );
          if (verdict?.kind === 'unreachable')
            return sendProblem(request, reply, upstreamProblem('unavailable', entry.service));
          const body = Buffer.isBuffer(request.body) ? request.body : undefined;
          const traceparent = reply.getHeader('traceparent');
          // The exchange runs under the upstream's circuit breaker: it ends when the upstream answered
          // (streamed back as it is), failed, or the caller went away first (which says nothing about the
          // upstream: CallerGone is neither a failure nor a success for the breaker).
          const exchange = () =>
            new Promise<void>((answered, failed) => {
              // The connection closes after every answer too: an error (and its stack) is made only when
              // nothing was answered yet.
              let settled = false;
              reply.raw.once('close', () => {
                if (!settled) failed(new CallerGone());
              });
              reply.from(`${base}${upstreamTarget(entry, request.url)}`, {
                timeout: timeoutMs,
                // reply-from would retry a GET answered 503 up to ten times. The gateway passes every answer
                // through as it is; callers decide on retries and carry their Idempotency-Key when they do.
                retryDelay: () => null,
                ...(body ? { body, contentType: request.headers['content-type'] ?? OCTET_STREAM } : {}),
                rewriteRequestHeaders: (_req, headers) =>
                  forwardHeaders(entry.upstreamBearer ? withBearer(headers, entry.upstreamBearer) : headers, {
                    traceId: request.traceId,
                    traceparent:
                      typeof traceparent === 'string'
                        ? traceparent
                        : traceparentFor({
                            traceId: request.traceId,
                            spanId: randomBytes(8).toString('hex'),
                          }),
                    clientIp: request.ip,
                    sign,
                    protocol: request.protocol,
                    host: request.headers.host,
                  }),
                rewriteHeaders: (headers) => returnHeaders(headers),
                onResponse: (_request, upstreamReply, res) => {
                  settled = true;
                  answered();
                  void upstreamReply.send(res.stream);
                },
                onError: (_reply, { error }) => {
                  settled = true;
                  failed(error);
                },
              });
            });
          const outcome = await breakers.run(entry.service, exchange);
          if (outcome.kind === 'open')
            return sendProblem(request, reply, breakers.openProblem(entry.service));
          if (outcome.kind === 'failed' && outcome.error instanceof CallerGone) return reply;
          if (outcome.kind === 'failed')
            return sendProblem(
              request,
              reply,
              upstreamProblem(classifyUpstreamError(outcome.error), entry.service),
            );
          return reply;
        },
      );
    }
  });
}

/** The caller's headers with the route's own credential in place of the caller's. */
function withBearer<H extends Record<string, unknown>>(headers: H, token: string): H {
  return { ...headers, authorization: `Bearer ${token}` };
}
