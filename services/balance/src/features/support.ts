import { bigintKey, callerOf, decodeCursor, idKey } from '@strongbox/http';
import type { FastifyRequest } from 'fastify';
import { type Actor, actorOf } from '../domain/access.ts';
import type { PageRequest } from '../ports.ts';
import { PAGE_LIMIT_DEFAULT } from './schemas.ts';

/** Helpers every balance route shares: the caller as the ledger sees it, and page requests. */

export function actor(request: FastifyRequest): Actor {
  return actorOf(callerOf(request));
}

export function pageRequest<K>(
  query: { limit?: number; cursor?: string },
  parse: (key: string) => K | undefined,
): PageRequest<K> {
  return { limit: query.limit ?? PAGE_LIMIT_DEFAULT, before: decodeCursor(query.cursor, parse) ?? null };
}

/** Accounts and transfers page by id; entries by their account's version (an int8 column). */
export const parseIdKey = idKey(/^[A-Za-z0-9_-]{1,64}$/);
export const parseVersionKey = bigintKey;
