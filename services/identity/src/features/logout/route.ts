import { parseCookie } from 'cookie';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { IdentityPorts } from '../../ports.ts';
import {
  bodyToken,
  clearSessionCookies,
  cookieMode,
  SESSION_COOKIE,
  SessionQuery,
  sessionGuard,
} from '../session-cookie.ts';

// Required in JSON mode (bodyToken says so as a 400, as before); in cookie mode the cookie carries it.
const Body = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
);

/**
 * Revokes the refresh-token family of this login. It answers 204 whether or not the token was known, so it
 * is idempotent and reveals nothing. Access tokens already issued stay valid until they expire (15 minutes).
 * With `?session=cookie` the token comes from the session cookie, and the answer clears that cookie.
 */
export function logoutRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { refreshToken?: string } }>(
    '/v1/auth/logout',
    {
      config: { auth: 'public' },
      onRequest: sessionGuard,
      schema: {
        summary: 'Revoke a login (its refresh-token family)',
        tags: ['auth'],
        security: [],
        querystring: SessionQuery,
        body: Body,
      },
    },
    async (request, reply) => {
      if (cookieMode(request)) {
        const header = request.headers.cookie;
        const token = header ? parseCookie(header)[SESSION_COOKIE] : undefined;
        if (token) await ports.refreshTokens.revokeFamily(token);
        clearSessionCookies(request, reply);
      } else {
        await ports.refreshTokens.revokeFamily(bodyToken(request.body));
      }
      return reply.code(204).send();
    },
  );
}
