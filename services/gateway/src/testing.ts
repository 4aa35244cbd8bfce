/**
 * Test support: a stand-in for identity's HTTP surface (JWKS, health, OpenAPI document and echo routes) on
 * a real socket, and a gateway built against it. Used only by the gateway's integration tests; the real
 * identity behind the real gateway is exercised end to end in test/.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@strongbox/http';
import type { Redis } from 'ioredis';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { buildApp } from './app.ts';
import { type GatewayConfig, loadConfig, type RouteEntry } from './config.ts';

export const TEST_ISSUER = 'strongbox-identity';
export const TEST_AUDIENCE = 'strongbox';
export const KID = 'k1';
/**
 * The timeout of the one test route whose upstream never answers (`/v1/me/hang`), so the test of the
 * timeout path is short. Every other route keeps the route table's own timeout, so an upstream that is
 * merely slow on a loaded machine is never taken for a timeout.
 */
export const HANG_TIMEOUT_MS = 300;
export const HANG_PREFIX = '/v1/me/hang';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface TokenOptions {
  readonly aud?: string;
  readonly expSeconds?: number;
  readonly key?: CryptoKey;
}

export const OPENAPI_FIXTURE = {
  openapi: '3.1.0',
  info: { title: 'Strongbox identity', version: '0.1.0' },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: { Me: { type: 'object', properties: { sub: { type: 'string' } } } },
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/me': { get: { responses: { '200': { $ref: '#/components/schemas/Me' } } } },
    '/v1/auth/login': { post: { responses: { '200': { description: 'tokens' } } } },
    '/internal/rotate-keys': { post: { responses: { '204': { description: 'done' } } } },
  },
};

const LONG_CHUNK_BYTES = 64 * 1024;

/** `length` bytes that differ from one position to the next, so a lost or repeated chunk shows. */
export function patternBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >> 8)) & 255;
  return out;
}

export async function startFakeIdentity() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: 'EdDSA', use: 'sig' };
  const received: Received[] = [];
  const hits = { openapi: 0, health: 0 };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const json = (status: number, body: unknown, type = 'application/json') =>
        res
          .writeHead(status, { 'content-type': type, 'x-trace-id': 'upstream-own-trace' })
          .end(JSON.stringify(body));
      if (url === '/.well-known/jwks.json') return json(200, { keys: [jwk] });
      if (url === '/health') {
        hits.health += 1;
        return json(200, { status: 'ok' });
      }
      if (url === '/openapi.json') {
        hits.openapi += 1;
        return json(200, OPENAPI_FIXTURE);
      }
      received.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks) });
      // Never answers: the socket stays open until the test closes the server.
      if (url.startsWith('/v1/me/hang')) return;
      // `bytes` of a known pattern, with its length or (`unsized`) without, in chunks.
      if (url.startsWith('/v1/me/long')) {
        const query = new URL(url, 'http://fake.invalid').searchParams;
        const body = patternBytes(Number(query.get('bytes')));
        const unsized = query.has('unsized');
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          ...(unsized ? {} : { 'content-length': body.length }),
        });
        for (let at = 0; at < body.length; at += LONG_CHUNK_BYTES)
          res.write(body.subarray(at, at + LONG_CHUNK_BYTES));
        return res.end();
      }
      if (url.startsWith('/v1/me/problem')) {
        return json(
          409,
          { type: 'urn:x', title: 'Conflict', status: 409, code: 'conflict' },
          'application/problem+json',
        );
      }
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
      res.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = (claims: Record<string, unknown> = {}, opts: TokenOptions = {}) =>
    new SignJWT({ roles: ['customer'], ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: KID, typ: 'at+jwt' })
      .setIssuer(TEST_ISSUER)
      .setAudience(opts.aud ?? TEST_AUDIENCE)
      .setSubject(String(claims['sub'] ?? 'usr_1'))
      .setJti(String(claims['jti'] ?? 'jti-1'))
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expSeconds ?? 60))
      .sign(opts.key ?? privateKey);

  return {
    url,
    received,
    hits,
    sign,
    otherKey: other.privateKey,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound by the OS, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * A listening gateway in front of `env`'s upstreams, with the short timeout on the never-answering route
 * only. Only identity's routes are kept: the stand-in plays identity alone, and the other services are the
 * end-to-end tests' job.
 */
export async function startGateway(
  env: Record<string, string>,
  opts: {
    bodyLimitBytes?: number;
    redis?: Redis;
    breakerHalfOpenAfterMs?: number;
    https?: { cert: Buffer | string; key: Buffer | string };
  } = {},
) {
  const base = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const routes: RouteEntry[] = [
    // The bank sandbox's controls are kept too (when configured), for tests that point BANK_URL at a stand-in.
    // So is the bank's notification path when a test names DEALS_URL (the stand-in, for the rate limits).
    ...base.routes.filter(
      (r) =>
        r.service === 'identity' ||
        r.service === 'bankSandbox' ||
        (r.prefix === '/v1/bank' && env['DEALS_URL'] !== undefined),
    ),
    { prefix: HANG_PREFIX, service: 'identity', timeoutMs: HANG_TIMEOUT_MS },
  ];
  const config: GatewayConfig = { ...base, routes };
  const { app } = await buildApp({
    config,
    logger: createLogger({ service: 'gateway', level: 'silent' }),
    version: '0.0.0-test',
    ...opts,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, stop: () => app.close() };
}
