import { httpErrors, PROBLEM_CONTENT_TYPE, problemOf } from '@strongbox/http';
import type { AppError } from '@strongbox/kernel';
import type { StoredResponse } from '@strongbox/postgres/idempotency';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, actorOf } from '../domain/access.ts';
import type { PageRequest } from '../ports.ts';
import { PAGE_LIMIT_DEFAULT } from './schemas.ts';

/** Helpers every balance route shares: the caller, stored answers, problem bodies, cursors. */

export function actor(request: FastifyRequest): Actor {
  // The factory's auth hook has verified a token before any non-public route runs.
  if (!request.principal) throw httpErrors.unauthenticated();
  return actorOf(request.principal);
}

export function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

/** A JSON answer as the exact text stored under its Idempotency-Key. */
export function jsonResponse(status: number, body: unknown): StoredResponse {
  return { status, body: JSON.stringify(body) };
}

export function problemResponse(request: FastifyRequest, err: AppError): StoredResponse {
  return jsonResponse(err.status, problemOf(err, request.traceId, pathOf(request)));
}

/** Sends a stored answer byte for byte; a replay says so in `Idempotent-Replayed: true`. */
export function sendStored(reply: FastifyReply, response: StoredResponse, replayed: boolean): FastifyReply {
  if (replayed) void reply.header('idempotent-replayed', 'true');
  return reply
    .code(response.status)
    .type(response.status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json; charset=utf-8')
    .send(response.body);
}

/** Cursors are opaque to callers: the sort key of the last item, base64url-encoded. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function pageRequest<K>(
  query: { limit?: number; cursor?: string },
  parse: (key: string) => K | undefined,
): PageRequest<K> {
  const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
  if (query.cursor === undefined) return { limit, before: null };
  const key = /^[A-Za-z0-9_-]+$/.test(query.cursor)
    ? parse(Buffer.from(query.cursor, 'base64url').toString('utf8'))
    : undefined;
  if (key === undefined) {
    throw httpErrors.validation_failed('The cursor is not one this service issued', {
      errors: [{ field: 'querystring/cursor', message: 'is not a valid cursor' }],
    });
  }
  return { limit, before: key };
}

export const parseIdKey = (k: string): string | undefined =>
  /^[A-Za-z0-9_-]{1,64}$/.test(k) ? k : undefined;
export const parseVersionKey = (k: string): bigint | undefined =>
  /^\d{1,19}$/.test(k) ? BigInt(k) : undefined;

/** Builds `{ data, nextCursor }` from an adapter's answer of up to `limit + 1` items. */
export function pageOf<T, V>(
  items: readonly T[],
  limit: number,
  key: (item: T) => string,
  view: (item: T) => V,
): { data: V[]; nextCursor: string | null } {
  const data = items.slice(0, limit);
  const last = data.at(-1);
  return {
    data: data.map(view),
    nextCursor: items.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
