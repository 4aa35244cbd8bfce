import { randomUUID } from 'node:crypto';
import { toAppError } from '@strongbox/http';
import type { AppError } from '@strongbox/kernel';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { bankErrors } from '../domain/errors.ts';

/** The bank's error body: every failure of the sandbox's bank API answers this shape. */
export interface BankError {
  readonly errorId: string;
  readonly errorMessage: string;
  readonly errorCode: string;
  readonly errorDetails: unknown;
}

export const BANK_ERROR_SCHEMA = {
  type: 'object',
  description: "The bank's error shape",
  properties: {
    errorId: { type: 'string', format: 'uuid' },
    errorMessage: { type: 'string' },
    errorCode: { type: 'string', examples: ['VALIDATION_ERROR'] },
    errorDetails: {},
  },
} as const;

/** The codes of the shared HTTP edge, renamed as the bank would write them. */
const HTTP_CODES: Record<string, string> = {
  validation_failed: 'VALIDATION_ERROR',
  malformed_json: 'VALIDATION_ERROR',
  unauthenticated: 'UNAUTHORIZED',
  invalid_token: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  route_not_found: 'NOT_FOUND',
  body_too_large: 'VALIDATION_ERROR',
  unsupported_media_type: 'VALIDATION_ERROR',
  rate_limited: 'TOO_MANY_REQUESTS',
  internal_error: 'INTERNAL_ERROR',
};

export function bankErrorOf(err: AppError): BankError {
  return {
    errorId: randomUUID(),
    errorMessage: err.message,
    errorCode: HTTP_CODES[err.code] ?? err.code,
    errorDetails: err.errors ?? null,
  };
}

export function sendBankError(reply: FastifyReply, err: AppError): FastifyReply {
  if (err.headers) void reply.headers(err.headers);
  if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
  return reply.code(err.status).type('application/json; charset=utf-8').send(bankErrorOf(err));
}

/** The error handler of the bank API's scope: known errors keep their status, bugs become 500s. */
export function bankErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const { error, bug } = toAppError(err);
  if (bug) request.log.error({ err }, 'unhandled error');
  return sendBankError(reply, error);
}

export function bankNotFound(request: FastifyRequest, reply: FastifyReply) {
  return sendBankError(
    reply,
    bankErrors.NOT_FOUND(`${request.method} ${request.url.split('?')[0]} does not exist`),
  );
}
