import { ProblemRef } from '@strongbox/http';
import { InvariantError } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { authMethods } from '../../domain/totp.ts';
import type { IdentityPorts } from '../../ports.ts';
import { TokenPair } from '../schemas.ts';

const Body = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);

/** Each refresh token works once; the answer carries its successor. Reusing a spent one revokes the family. */
export function refreshRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { refreshToken: string } }>(
    '/v1/auth/refresh',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Rotate a refresh token for a new token pair',
        tags: ['auth'],
        security: [],
        body: Body,
        response: { 200: TokenPair, 401: ProblemRef },
      },
    },
    async (request) => {
      const outcome = await ports.refreshTokens.rotate(request.body.refreshToken);
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
          return { ...access, refreshToken: outcome.token, tokenType: 'Bearer' as const };
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
