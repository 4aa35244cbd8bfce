import type { FastifyRequest } from 'fastify';
import type { Principal } from './auth.ts';
import { httpErrors } from './problem.ts';

/**
 * Who is calling: the principal the factory's auth hook verified. Every non-public route requires a
 * token, so this only throws on a public route that should not have asked.
 *
 * @example
 * const caller = callerOf(request); // { sub: 'usr_…', roles: ['customer'], kind: 'user' }
 */
export function callerOf(request: FastifyRequest): Principal {
  const p = request.principal;
  if (!p) throw httpErrors.unauthenticated();
  return p;
}

/** The request's path without its query: what idempotency hashes and problem documents name. */
export function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}
