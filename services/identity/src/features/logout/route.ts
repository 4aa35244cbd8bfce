import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { IdentityPorts } from '../../ports.ts';

const Body = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);

/**
 * Revokes the refresh-token family of this login. It answers 204 whether or not the token was known, so it
 * is idempotent and reveals nothing. Access tokens already issued stay valid until they expire (15 minutes).
 */
export function logoutRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { refreshToken: string } }>(
    '/v1/auth/logout',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Revoke a login (its refresh-token family)',
        tags: ['auth'],
        security: [],
        body: Body,
      },
    },
    async (request, reply) => {
      await ports.refreshTokens.revokeFamily(request.body.refreshToken);
      return reply.code(204).send();
    },
  );
}
