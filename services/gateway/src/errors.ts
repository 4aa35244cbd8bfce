import { type AppError, defineErrors } from '@strongbox/kernel';

/** The gateway's own failures; upstream answers, including their problems, pass through untouched. */
export const gatewayErrors = defineErrors({
  invalid_path: { status: 400, title: 'The path is not in canonical form' },
  bad_gateway: { status: 502, title: 'The upstream service failed' },
  upstream_unavailable: { status: 503, title: 'The upstream service is unavailable' },
  upstream_timeout: { status: 504, title: 'The upstream service did not answer in time' },
});

export type UpstreamFailure = 'unavailable' | 'timeout' | 'bad_gateway';

/**
 * Errors that prove the request never reached the upstream. The distinction matters for money movement:
 * after 503 the caller knows nothing happened, while after 504 or 502 the upstream may have acted and the
 * caller should retry with the same Idempotency-Key.
 */
const NOT_DELIVERED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** A transport error may wrap the socket's own as its cause; the root cause is never deeper than this. */
const CAUSE_DEPTH_MAX = 4;

/**
 * Classifies a transport failure (undici's, upstream.ts) by the codes along its cause chain; the most
 * specific (innermost) code wins, as a generic error may wrap a refused connection.
 */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  for (const code of causeCodes(err).reverse()) {
    if (NOT_DELIVERED.has(code)) return 'unavailable';
    if (TIMED_OUT.has(code)) return 'timeout';
  }
  return 'bad_gateway';
}

/** Codes that say the connection to the upstream broke (beyond refusing it or timing out). */
const CONNECTION_BROKEN = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * Whether the upstream itself failed in transport: refused, unreachable, timed out or dropped the
 * connection. Errors about the request (a header undici refuses, a bad status) are not the upstream's.
 */
export function isTransportFailure(err: unknown): boolean {
  return causeCodes(err).some((c) => NOT_DELIVERED.has(c) || TIMED_OUT.has(c) || CONNECTION_BROKEN.has(c));
}

/** The `code`s along an error's cause chain, outermost first. */
function causeCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < CAUSE_DEPTH_MAX && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}

export function upstreamProblem(failure: UpstreamFailure, service: string): AppError {
  switch (failure) {
    case 'unavailable':
      return gatewayErrors.upstream_unavailable(
        `The ${service} service cannot be reached; nothing was sent to it`,
      );
    case 'timeout':
      return gatewayErrors.upstream_timeout(
        `The ${service} service did not answer in time; the outcome is unknown`,
      );
    case 'bad_gateway':
      return gatewayErrors.bad_gateway(
        `The connection to the ${service} service failed; the outcome is unknown`,
      );
    default: {
      const unreachable: never = failure;
      return unreachable;
    }
  }
}
