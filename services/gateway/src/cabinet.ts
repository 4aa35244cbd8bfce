import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { httpErrors, sendProblem } from '@strongbox/http';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The cabinet (apps/cabinet, ADR 0029) served as static files by the gateway, on the same origin as the
 * API, so the refresh cookie can be SameSite=Strict and no CORS is needed.
 *
 * The build output is a handful of small files, read once at start into memory: a request is a lookup in
 * a map of the files that exist, so no path from a request ever reaches the file system (no traversal to
 * guard against), and nothing is read per request. @fastify/static would add a file-system lookup per
 * request and its own routing for what is here a fixed list.
 *
 * index.html is served for the cabinet's own screens only (CABINET_ROUTES, the client router's paths);
 * every other path, /v1 and the other API prefixes above all, keeps the gateway's problem+json 404.
 */
export const CABINET_ROUTES = [
  '/',
  '/login',
  '/register',
  '/pay',
  '/accounts',
  '/accounts/:id',
  '/orders',
  '/orders/:id',
  '/deals',
  '/deals/:id',
  '/deals/:id/events',
  '/profile',
  '/security',
  '/operator',
  '/dead-letters',
  '/reconciliation',
  '/users',
] as const;
export const ASSETS_PREFIX = '/assets/';
/** A file above this is not what a Vite build of the cabinet makes; refusing it keeps memory bounded. */
export const CABINET_FILE_BYTES_MAX = 5 * 1024 * 1024;
export const CABINET_FILES_MAX = 200;

/**
 * No inline script or style, nothing from another origin, no framing, no plugins. connect-src 'self':
 * the cabinet talks to this origin's API only. img-src allows data: for the TOTP QR code, which identity
 * answers as SVG markup: as an image it runs no script and loads nothing, unlike markup in the page.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
/** Hashed file names change with their content, so a browser may keep them for a year untouched. */
export const ASSET_CACHE = 'public, max-age=31536000, immutable';
/** index.html names the current hashed files, so it is revalidated on every load. */
export const INDEX_CACHE = 'no-cache';

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}
export interface CabinetFiles {
  readonly index: Buffer;
  readonly assets: ReadonlyMap<string, StaticFile>;
}

/** The built cabinet in `dir` (apps/cabinet/dist), or undefined when it has not been built. */
export function loadCabinet(dir: string): CabinetFiles | undefined {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return undefined;
  const assets = new Map<string, StaticFile>();
  const assetsDir = join(dir, 'assets');
  const names = existsSync(assetsDir) ? readdirSync(assetsDir, { withFileTypes: true }) : [];
  if (names.length > CABINET_FILES_MAX)
    throw new Error(`${assetsDir} holds more than ${CABINET_FILES_MAX} files`);
  for (const entry of names) {
    if (!entry.isFile()) continue;
    const body = readFileSync(join(assetsDir, entry.name));
    if (body.length > CABINET_FILE_BYTES_MAX)
      throw new Error(`${entry.name} is larger than the cabinet allows`);
    assets.set(entry.name, { body, type: TYPES[extname(entry.name)] ?? 'application/octet-stream' });
  }
  return { index: readFileSync(indexPath), assets };
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
}

/** Registers the cabinet's screens and assets as public routes, outside the rate limits (memory only). */
export function registerCabinet(app: FastifyInstance, files: CabinetFiles): void {
  const config = { auth: 'public' as const, rateLimit: false as const };
  for (const url of CABINET_ROUTES) {
    app.get(url, { config, schema: { hide: true } }, async (_request, reply) =>
      secure(reply).header('cache-control', INDEX_CACHE).type('text/html; charset=utf-8').send(files.index),
    );
  }
  app.get<{ Params: { '*': string } }>(
    `${ASSETS_PREFIX}*`,
    { config, schema: { hide: true } },
    async (request, reply) => {
      const file = files.assets.get(request.params['*']);
      if (!file)
        return sendProblem(
          request,
          reply,
          httpErrors.route_not_found(`GET ${request.url.split('?')[0]} does not exist`),
        );
      return secure(reply).header('cache-control', ASSET_CACHE).type(file.type).send(file.body);
    },
  );
}
