import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  type createHttpApp,
  httpErrors,
  refuseRepeatedIdempotencyKey,
  sendProblem,
  traceparentFor,
} from '@strongbox/http';
import { type Clock, systemClock } from '@strongbox/kernel';
import type { FastifyReply } from 'fastify';
import { upstreamBreakers } from './breakers.ts';
import type { RouteEntry, ServiceName } from './config.ts';
import { UPSTREAM_TIMEOUT_MS } from './config.ts';
import { classifyUpstreamError, gatewayErrors, upstreamProblem } from './errors.ts';
import { forwardedForSigner, forwardHeaders, returnHeaders } from './headers.ts';
import { expandRoutes, isCanonicalTarget, upstreamTarget } from './routes.ts';
import { type UpstreamAnswer, upstreamClient } from './upstream.ts';
import { upstreamCheck } from './upstream-check.ts';

type App = Awaited<ReturnType<typeof createHttpApp>>;

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
  const client = upstreamClient();
  await app.register(async (scope) => {
    // Inside this scope only: the gateway's own routes keep JSON parsing, proxied ones never parse.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.addHook('onClose', async () => {
      await client.close();
    });

    for (const spec of specs) {
      const { entry } = spec;
      // A base URL may carry a path of its own, which every target is sent below.
      const base = new URL(opts.upstreams[entry.service]);
      const basePath = base.pathname.replace(/\/+$/, '');
      const timeoutMs = entry.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
      const check = entry.upstreamMustBe
        ? upstreamCheck(opts.upstreams[entry.service], entry.upstreamMustBe, opts.clock ?? systemClock)
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
          const headers = forwardHeaders(
            entry.upstreamBearer ? withBearer(request.headers, entry.upstreamBearer) : request.headers,
            {
              traceId: request.traceId,
              traceparent:
                typeof traceparent === 'string'
                  ? traceparent
                  : traceparentFor({ traceId: request.traceId, spanId: randomBytes(8).toString('hex') }),
              clientIp: request.ip,
              sign,
              protocol: request.protocol,
              host: request.headers.host,
            },
          );
          if (body && headers['content-type'] === undefined) headers['content-type'] = OCTET_STREAM;
          // The exchange runs under the upstream's circuit breaker: it ends when the upstream answered
          // (a long answer: when its headers came, the body then streamed through), failed, or the caller
          // went away first (which says nothing about the upstream: CallerGone is neither a failure nor a
          // success for the breaker). The gateway never retries: callers do, with their Idempotency-Key.
          const outcome = await breakers.run(entry.service, () =>
            unlessCallerLeaves(
              reply,
              client.send({
                origin: base.origin,
                path: `${basePath}${upstreamTarget(entry, request.url)}`,
                method: request.method,
                headers,
                body,
                timeoutMs,
              }),
            ),
          );
          if (outcome.kind === 'open')
            return sendProblem(request, reply, breakers.openProblem(entry.service));
          if (outcome.kind === 'failed' && outcome.error instanceof CallerGone) return reply;
          if (outcome.kind === 'failed')
            return sendProblem(
              request,
              reply,
              upstreamProblem(classifyUpstreamError(outcome.error), entry.service),
            );
          return passOn(request, reply, outcome.value, entry.service);
        },
      );
    }
  });
}

/**
 * The upstream's answer as it came: status, headers (but its trace headers, see returnHeaders) and body.
 * A status Fastify cannot send (outside 100–599) is the upstream's failure, not the caller's.
 */
function passOn(
  request: Parameters<typeof sendProblem>[0],
  reply: FastifyReply,
  answer: UpstreamAnswer,
  service: ServiceName,
) {
  try {
    reply.code(answer.status);
  } catch {
    if (answer.body && !Buffer.isBuffer(answer.body)) answer.body.destroy();
    return sendProblem(request, reply, upstreamProblem('bad_gateway', service));
  }
  // No body: Fastify then keeps the upstream's Content-Length of a HEAD and adds no Content-Type.
  return reply.headers(returnHeaders(answer.headers)).send(answer.body);
}

/** `work`, or CallerGone as soon as the caller's connection closes first; `work` goes on regardless. */
function unlessCallerLeaves<T>(reply: FastifyReply, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const gone = () => reject(new CallerGone());
    reply.raw.once('close', gone);
    work.then(
      (value) => {
        reply.raw.off('close', gone);
        resolve(value);
      },
      (error: unknown) => {
        reply.raw.off('close', gone);
        reject(error);
      },
    );
  });
}

/** The caller's headers with the route's own credential in place of the caller's. */
function withBearer(headers: IncomingHttpHeaders, token: string): IncomingHttpHeaders {
  return { ...headers, authorization: `Bearer ${token}` };
}
