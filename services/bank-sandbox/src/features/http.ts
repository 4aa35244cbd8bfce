import type { FastifyReply, FastifyRequest } from 'fastify';
import { bankErrors } from '../domain/errors.ts';
import { BANK_ERROR_SCHEMA } from '../http/bank-errors.ts';
import type { KeyedCall, KeyedOutcome } from '../ports.ts';

export const NOMINAL_PREFIX = '/api/v1/nominal-accounts';
export const UUID = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;
export const LIST_LIMIT_MAX = 100;
export const PAGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: 50 },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
  },
} as const;

export const idParams = (...names: string[]) => ({
  type: 'object',
  required: names,
  properties: Object.fromEntries(names.map((n) => [n, UUID])),
});

const ERRORS = Object.fromEntries(
  [400, 401, 404, 409, 422, 429, 500, 504].map((s) => [s, BANK_ERROR_SCHEMA]),
);
const IDEMPOTENCY_HEADER = {
  type: 'object',
  // Documented here, checked by the handler, so that a missing or malformed key has its own errorCode.
  properties: {
    'idempotency-key': {
      type: 'string',
      description: 'Required: a UUID; the same key and body replay the first answer',
    },
  },
};

/** Route schema for the docs: tags, error answers, and Idempotency-Key on creates. */
export function doc(tag: string, summary: string, extra: Record<string, unknown> = {}, create = false) {
  return {
    tags: [tag],
    summary,
    ...(create ? { headers: IDEMPOTENCY_HEADER } : {}),
    ...extra,
    response: { ...ERRORS, ...((extra['response'] as object | undefined) ?? {}) },
  };
}

export const keyed = (request: FastifyRequest): KeyedCall => ({
  key: request.headers['idempotency-key'],
  method: request.method,
  path: request.url.split('?')[0] as string,
  body: request.body,
});

export function sendOutcome(reply: FastifyReply, outcome: KeyedOutcome): FastifyReply {
  if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.code(outcome.status).type('application/json; charset=utf-8').send(outcome.bodyJson);
}

export function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw bankErrors.NOT_FOUND(`${what} not found`);
  return value;
}
