import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * Cross-origin calls from a marketplace's own front end (ADR 0028). Only the exact origins configured
 * (GATEWAY_CORS_ORIGINS) are answered with Access-Control-Allow-Origin; by default none is. Tokens travel
 * in Authorization, never in cookies, so credentials are not allowed: a page of another origin can do no
 * more than a script holding the user's token could do anyway.
 */
export const CORS_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'traceparent',
  'tracestate',
  'x-trace-id',
] as const;
/** What a page may read of an answer beyond the CORS-safelisted headers. */
export const CORS_EXPOSED_HEADERS = [
  'etag',
  'location',
  'retry-after',
  'idempotent-replayed',
  'traceparent',
  'x-trace-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
] as const;
/** How long a browser may reuse a preflight's answer. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Answers every preflight at the gateway (never proxied, never asked for a token, which browsers do not
 * send on one) and adds the CORS headers to actual answers from an allowed origin. It must be registered
 * before the token check (createHttpApp's `beforeAuth`), so that a preflight is answered first.
 */
export function corsPlugin(origins: readonly string[]) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(cors, {
      // An array is matched exactly, origin by origin; an empty one allows nobody but still answers the
      // preflight here, so that it never reaches an upstream.
      origin: [...origins],
      methods: [...CORS_ALLOWED_METHODS],
      allowedHeaders: [...CORS_ALLOWED_HEADERS],
      exposedHeaders: [...CORS_EXPOSED_HEADERS],
      credentials: false,
      maxAge: CORS_MAX_AGE_SECONDS,
      preflight: true,
      strictPreflight: true,
      hideOptionsRoute: true,
    });
  };
}

/** An exact origin (`https://shop.example`, `http://localhost:5173`): scheme, host, port, nothing else. */
export function isExactOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    // A wildcard in the host parses as a host name, but an exact list must not look like a pattern.
    const host = /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/;
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === value && host.test(u.hostname);
  } catch {
    return false;
  }
}
