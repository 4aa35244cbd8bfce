import { httpErrors } from './problem.ts';

/**
 * List cursors (brief §4) are opaque to callers: the sort key of a page's last item, base64url-encoded.
 * Decoding refuses, as a 400 `invalid_cursor`, anything this encoder could not have produced, and whatever
 * the list's own `parse` refuses, so a forged cursor never reaches a query.
 *
 * @example
 * const before = decodeCursor(request.query.cursor, bigintKey); // bigint | undefined
 * return pageOf(rows, limit, (e) => e.version.toString(), entryView);
 */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function decodeCursor<K>(
  cursor: string | undefined,
  parse: (key: string) => K | undefined,
): K | undefined {
  if (cursor === undefined) return undefined;
  const key = BASE64URL.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : undefined;
  // Base64 is lenient (stray bits, broken UTF-8); only the exact text encodeCursor makes is accepted.
  const parsed = key !== undefined && encodeCursor(key) === cursor ? parse(key) : undefined;
  if (parsed === undefined) {
    throw httpErrors.invalid_cursor('Use a nextCursor from a list', {
      errors: [{ field: 'querystring/cursor', message: 'is not a valid cursor' }],
    });
  }
  return parsed;
}

/** PostgreSQL's `bigint` (int8) upper bound: a larger key would fail in the query, not answer 400. */
const INT8_MAX = 2n ** 63n - 1n;

/** A cursor key that is a non-negative `bigint` column value, such as a version. */
export function bigintKey(key: string): bigint | undefined {
  if (!/^\d{1,19}$/.test(key)) return undefined;
  const n = BigInt(key);
  return n <= INT8_MAX ? n : undefined;
}

/** A cursor key that is an id matching `pattern` (whole string). */
export function idKey(pattern: RegExp): (key: string) => string | undefined {
  return (key) => (pattern.test(key) ? key : undefined);
}

/** Builds `{ data, nextCursor }` from up to `limit + 1` items; the extra one says another page exists. */
export function pageOf<T, V>(
  items: readonly T[],
  limit: number,
  key: (item: T) => string,
  view: (item: T) => V,
): { data: V[]; nextCursor: string | null } {
  const data = items.slice(0, limit);
  const last = data.at(-1);
  return {
    data: data.map((item) => view(item)),
    nextCursor: items.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
