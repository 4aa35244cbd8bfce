import { assert } from '@strongbox/kernel';
import type { RouteEntry } from './config.ts';

/** One Fastify route the gateway registers for a table entry. */
export interface RouteSpec {
  readonly url: string;
  readonly public: boolean;
  readonly entry: RouteEntry;
}

const PREFIX_SHAPE = /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/** True when `path` is `prefix` itself or lies below it on a segment boundary. */
export function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The entry answering `path`: the longest matching prefix, so a more specific entry always wins over a
 * broader one whatever the table order.
 *
 * @example
 * matchRoute(ROUTES, '/v1/me/sessions')?.service // 'identity'
 */
export function matchRoute(table: readonly RouteEntry[], path: string): RouteEntry | undefined {
  let best: RouteEntry | undefined;
  for (const entry of table) {
    if (underPrefix(path, entry.prefix) && (!best || entry.prefix.length > best.prefix.length)) best = entry;
  }
  return best;
}

/** Whether `path` under `entry` may be called without a token. */
export function isPublicPath(entry: RouteEntry, path: string): boolean {
  if (entry.public === true) return true;
  return entry.public?.includes(path) ?? false;
}

/**
 * A table mistake (an overlapping prefix, a public path outside its prefix) would silently expose or hide
 * routes, so it stops the gateway at start instead.
 */
export function validateRoutes(table: readonly RouteEntry[]): void {
  const seen = new Set<string>();
  for (const entry of table) {
    assert(
      PREFIX_SHAPE.test(entry.prefix),
      `route prefix ${entry.prefix} must be /segments without a trailing slash`,
    );
    assert(!seen.has(entry.prefix), `route prefix ${entry.prefix} is listed twice`);
    seen.add(entry.prefix);
    if (Array.isArray(entry.public)) {
      for (const path of entry.public) {
        assert(
          path !== entry.prefix && underPrefix(path, entry.prefix),
          `public path ${path} is not below ${entry.prefix}`,
        );
      }
    }
    if (entry.upstreamPrefix !== undefined) {
      assert(
        PREFIX_SHAPE.test(entry.upstreamPrefix),
        `upstream prefix ${entry.upstreamPrefix} of ${entry.prefix} must be /segments without a trailing slash`,
      );
      assert(entry.public === undefined, `${entry.prefix} is rewritten upstream and cannot be public`);
    }
    if (entry.roles !== undefined) {
      assert(entry.roles.length > 0, `${entry.prefix} names an empty list of roles`);
      assert(entry.public === undefined, `${entry.prefix} needs roles and cannot be public`);
    }
    if (entry.timeoutMs !== undefined) {
      assert(
        Number.isInteger(entry.timeoutMs) && entry.timeoutMs > 0,
        `timeout for ${entry.prefix} must be positive`,
      );
    }
  }
}

/**
 * Expands the table into router entries. Auth in the HTTP factory is decided per route, so each public
 * path of a partly public prefix becomes its own exact route; the router prefers an exact route over the
 * wildcard, and everything else under the prefix falls to the wildcard that needs a token.
 */
export function expandRoutes(table: readonly RouteEntry[]): RouteSpec[] {
  validateRoutes(table);
  const out: RouteSpec[] = [];
  for (const entry of table) {
    const all = entry.public === true;
    out.push({ url: entry.prefix, public: all, entry }, { url: `${entry.prefix}/*`, public: all, entry });
    if (Array.isArray(entry.public)) {
      for (const path of entry.public) out.push({ url: path, public: true, entry });
    }
  }
  return out;
}

/**
 * The upstream target of a request under `entry`: the same, unless the entry replaces its prefix.
 *
 * @example
 * upstreamTarget(sandboxRoute('t'), '/v1/sandbox/_sim/faults?x=1') // '/_sim/faults?x=1'
 */
export function upstreamTarget(entry: RouteEntry, target: string): string {
  if (entry.upstreamPrefix === undefined) return target;
  return `${entry.upstreamPrefix}${target.slice(entry.prefix.length)}`;
}

/**
 * A request target the gateway forwards verbatim. Dot segments (also percent-encoded ones) would let a
 * public prefix reach a protected path once the upstream normalises it, so they are turned away here
 * first with a clear 400.
 *
 * @example
 * isCanonicalTarget('/.well-known/../v1/me') // false
 */
export function isCanonicalTarget(target: string): boolean {
  if (!target.includes('%')) {
    // Nothing escaped, so nothing to decode: the plain checks decide most targets without parsing a URL.
    if (target === '..' || target.includes('/..') || target.includes('../')) return false;
    const path = target.split('?', 1)[0] ?? '';
    if (PLAIN_PATH.test(path) && !path.startsWith('//') && !SINGLE_DOT_SEGMENT.test(path)) return true;
  }
  return canonicalAsUrl(target);
}

/**
 * Segments of characters a URL parser keeps as they are in a path (RFC 3986 unreserved and sub-delims,
 * `:` and `@`): such a path is canonical unless it starts with `//` or has a `.` segment.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]*)+$/;
const SINGLE_DOT_SEGMENT = /(?:^|\/)\.(?:\/|$)/;

/** The full check: decoded, no dot segment; as a URL's path, the same as given. */
export function canonicalAsUrl(target: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return false;
  }
  if (decoded === '..' || decoded.includes('/..') || decoded.includes('../')) return false;
  const path = target.split('?', 1)[0] ?? '';
  try {
    return new URL(path, 'http://gateway.invalid').pathname === path;
  } catch {
    // `//` alone reads as an authority with no host.
    return false;
  }
}
