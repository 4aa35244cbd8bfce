import { httpErrors } from '@strongbox/http';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../domain/errors.ts';

/**
 * Cookie mode of login, refresh and logout, for the cabinet (ADR 0029). A request asks for it with
 * `?session=cookie`; without that, these routes behave exactly as they always have (the refresh token
 * travels in the JSON body). In cookie mode:
 *
 * - the refresh token is set as an HttpOnly, SameSite=Strict cookie, once for the path of refresh and
 *   once for the path of logout, so the browser sends it to those two calls and to nothing else, and no
 *   script ever sees it; the JSON answer carries the access token alone;
 * - the request must carry `X-Strongbox-CSRF: 1` (a cross-site form cannot set a header, and a
 *   cross-site fetch that sets one needs a CORS preflight that nothing here grants) and, when the browser
 *   sends an Origin, that Origin must be the host the request was made to.
 */
export const SESSION_COOKIE = 'strongbox_refresh';
export const CSRF_HEADER = 'x-strongbox-csrf';
export const COOKIE_PATHS = ['/v1/auth/refresh', '/v1/auth/logout'] as const;
/** As long as a refresh token lives (infra/refresh-tokens.ts); identity's own expiry is what counts. */
export const SESSION_COOKIE_MAX_AGE_S = 30 * 24 * 60 * 60;

export const SessionQuery = Type.Object({
  session: Type.Optional(Type.Literal('cookie', { description: 'Keep the refresh token in a cookie' })),
});
export interface SessionQueryT {
  session?: 'cookie';
}

export function cookieMode(request: FastifyRequest): boolean {
  return (request.query as SessionQueryT | undefined)?.session === 'cookie';
}

/** Refuses a cookie-mode request that a cross-site page could have made. */
export function checkCsrf(request: FastifyRequest): void {
  if (request.headers[CSRF_HEADER] !== '1')
    throw identityErrors.csrf_check_failed(`Cookie mode needs the header ${CSRF_HEADER}: 1`);
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const host = request.headers['x-forwarded-host'] ?? request.headers.host;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // An Origin that is no URL ("null" from a sandboxed frame) is not this site.
  }
  if (originHost === null || originHost !== host)
    throw identityErrors.csrf_check_failed('The request came from another site');
}

/** A route's onRequest hook: cookie-mode requests pass the CSRF check before anything else runs. */
export async function sessionGuard(request: FastifyRequest): Promise<void> {
  if (cookieMode(request)) checkCsrf(request);
}

/** The refresh token from the cookie, or the 401 a missing one deserves. */
export function cookieToken(request: FastifyRequest): string {
  const header = request.headers.cookie;
  const token = header ? parseCookie(header)[SESSION_COOKIE] : undefined;
  if (!token) throw identityErrors.invalid_refresh_token('No session cookie; sign in again');
  return token;
}

/** Only in JSON mode may the body leave out the token (the schema lets it, for cookie mode). */
export function bodyToken(body: { refreshToken?: string } | undefined): string {
  if (body?.refreshToken === undefined)
    throw httpErrors.validation_failed('The request has invalid fields', {
      errors: [{ field: 'body/refreshToken', message: "must have required property 'refreshToken'" }],
    });
  return body.refreshToken;
}

function cookies(request: FastifyRequest, value: string, maxAgeS: number): string[] {
  const secure = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
  return COOKIE_PATHS.map((path) =>
    stringifySetCookie({
      name: SESSION_COOKIE,
      value,
      path,
      maxAge: maxAgeS,
      httpOnly: true,
      sameSite: 'strict',
      secure,
    }),
  );
}

export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', cookies(request, '', 0));
}

/**
 * The answer of login and refresh: unchanged in JSON mode; in cookie mode the refresh token goes into
 * the cookies and leaves the body.
 */
export function tokenAnswer<P extends { refreshToken: string }>(
  request: FastifyRequest,
  reply: FastifyReply,
  pair: P,
): P | Omit<P, 'refreshToken'> {
  if (!cookieMode(request)) return pair;
  const { refreshToken, ...rest } = pair;
  reply.header('set-cookie', cookies(request, refreshToken, SESSION_COOKIE_MAX_AGE_S));
  return rest;
}
