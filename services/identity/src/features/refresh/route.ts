import { ProblemRef } from '@strongbox/http';
import { InvariantError } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { authMethods } from '../../domain/totp.ts';
import type { IdentityPorts } from '../../ports.ts';
import { TokenAnswer } from '../schemas.ts';
import {
  bodyToken,
  clearSessionCookies,
  cookieMode,
  cookieToken,
  SessionQuery,
  sessionGuard,
  tokenAnswer,
} from '../session-cookie.ts';

// Required in JSON mode (bodyToken says so as a 400, as before); in cookie mode the cookie carries it.
const Body = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
);

/**
 * Each refresh token works once; the answer carries its successor. Reusing a spent one revokes the family.
 * With `?session=cookie` the token comes from and goes back into the session cookie (session-cookie.ts),
 * and a refused one clears the cookie so the browser stops sending it.
 */
export function refreshRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { refreshToken?: string } }>(
    '/v1/auth/refresh',
    {
      config: { auth: 'public' },
      onRequest: sessionGuard,
      schema: {
        summary: 'Rotate a refresh token for a new token pair',
        tags: ['auth'],
        security: [],
        querystring: SessionQuery,
        body: Body,
        response: { 200: TokenAnswer, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef },
      },
    },
    async (request, reply) => {
      const cookie = cookieMode(request);
      const presented = cookie ? cookieToken(request) : bodyToken(request.body);
      const outcome = await ports.refreshTokens.rotate(presented);
      if (cookie && outcome.kind !== 'rotated') clearSessionCookies(request, reply);
      switch (outcome.kind) {
        case 'rotated': {
          const user = await ports.users.findById(outcome.userId);
          if (!user) throw identityErrors.invalid_refresh_token('The account no longer exists');
          // The current enrollment, like the current roles: confirming TOTP reaches the next access token.
          const enrolled = (await ports.totp.state(user.id)) === 'confirmed';
          const access = await ports.accessTokens.issue({
            sub: user.id,
            roles: user.roles,
            totp: enrolled,
            amr: authMethods(enrolled),
          });
          return tokenAnswer(request, reply, {
            ...access,
            refreshToken: outcome.token,
            tokenType: 'Bearer' as const,
          });
        }
        case 'reuse':
          request.log.warn('refresh token reuse detected; family revoked');
          throw identityErrors.refresh_token_reused('This refresh token was already used; sign in again');
        case 'expired':
          throw identityErrors.invalid_refresh_token('The refresh token has expired; sign in again');
        case 'unknown':
          throw identityErrors.invalid_refresh_token('The refresh token is not valid');
        default: {
          const unreachable: never = outcome;
          throw new InvariantError(`unreachable case: ${JSON.stringify(unreachable)}`);
        }
      }
    },
  );
}
