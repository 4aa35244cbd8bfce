import { AppError, defineErrors, type FieldError } from '@strongbox/kernel';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The HTTP edge's own catalogue: failures that belong to no service. */
export const httpErrors = defineErrors({
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The body is not valid JSON' },
  malformed_request: { status: 400, title: 'The request is not valid HTTP' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalid_token: { status: 401, title: 'The access token is not valid' },
  forbidden: { status: 403, title: 'Not allowed' },
  totp_enrollment_required: { status: 403, title: 'Enroll a TOTP authenticator first' },
  step_up_required: { status: 403, title: 'A fresh TOTP code is required' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'The request did not arrive in time' },
  body_too_large: { status: 413, title: 'The body is too large' },
  uri_too_long: { status: 414, title: 'The URL is too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  header_too_large: { status: 431, title: 'The request headers are too large' },
  internal_error: { status: 500, title: 'Internal error' },
  not_ready: { status: 503, title: 'Not ready' },
  service_busy: { status: 503, title: 'The service is busy' },
  auth_unavailable: { status: 503, title: 'Authentication is unavailable' },
  // The shared conventions of brief §4: lists' cursors and the Idempotency-Key.
  invalid_cursor: { status: 400, title: 'The cursor is not valid' },
  idempotency_key_repeated: { status: 400, title: 'The Idempotency-Key header was sent more than once' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still running' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used for a different request' },
});

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  traceId: string;
  instance?: string;
  errors?: readonly FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemOf(err: AppError, traceId: string, instance?: string): Problem {
  return {
    type: `urn:strongbox:problem:${err.code}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    traceId,
    ...(instance ? { instance } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
  };
}

/** Fastify's own error codes that are the caller's fault, mapped to our stable codes. */
const FASTIFY_CODES: Record<string, () => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => httpErrors.body_too_large('The request body exceeds the size limit'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => httpErrors.unsupported_media_type('Send application/json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    httpErrors.validation_failed('Content-Length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => httpErrors.malformed_json('The JSON body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => httpErrors.malformed_json('The body is not valid JSON'),
};

/**
 * Every error leaves as one problem document. A known error keeps its code; anything else is a bug whose
 * details stay in the log and never reach the caller.
 */
export function toAppError(err: FastifyError | Error): { error: AppError; bug: boolean } {
  if (err instanceof AppError) return { error: err, bug: false };
  const fe = err as FastifyError;
  if (fe.validation) {
    const errors: FieldError[] = fe.validation.map((v) => ({
      field: fieldOf(v as ValidationItem, fe.validationContext),
      message: v.message ?? 'is invalid',
    }));
    return { error: httpErrors.validation_failed('The request has invalid fields', { errors }), bug: false };
  }
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return { error: mapped(), bug: false };
  if (err instanceof SyntaxError && fe.statusCode === 400) {
    return { error: httpErrors.malformed_json('The body is not valid JSON'), bug: false };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { error: httpErrors.validation_failed('The request could not be processed'), bug: false };
  }
  if (isDatabaseBusy(err)) {
    return {
      error: httpErrors.service_busy('Every database connection is busy; retry shortly', {
        headers: { 'retry-after': String(BUSY_RETRY_AFTER_S) },
      }),
      bug: false,
    };
  }
  return {
    error: httpErrors.internal_error('An internal error occurred; quote the traceId to support'),
    bug: true,
  };
}

/** What a caller shed under load is told to wait before trying again. */
export const BUSY_RETRY_AFTER_S = 1;
/**
 * pg-pool's error when no connection frees up within its connect timeout: the service is overloaded, not
 * broken, so the caller is told to come back (503 with Retry-After) as with any other shed request. pg-pool
 * gives this error no code, only this message. 53300 is the server's own too_many_connections.
 */
const POOL_CHECKOUT_TIMEOUT = 'timeout exceeded when trying to connect';
function isDatabaseBusy(err: Error): boolean {
  return err.message === POOL_CHECKOUT_TIMEOUT || (err as { code?: unknown }).code === '53300';
}

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function fieldOf(v: ValidationItem, context: string | undefined): string {
  const base = v.instancePath ?? '';
  // For a missing or unknown property, Ajv reports the parent path; naming the property itself is clearer.
  const prop = v.params?.['missingProperty'] ?? v.params?.['additionalProperty'];
  const path = typeof prop === 'string' ? `${base}/${prop}` : base;
  return `${context ?? 'body'}${path || ''}`;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  if (err.headers) void reply.headers(err.headers);
  return reply
    .code(err.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemOf(err, request.traceId, request.url.split('?')[0]));
}
