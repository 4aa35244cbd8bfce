import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import type { IdentityPorts } from '../../ports.ts';

const Body = Type.Object(
  {
    grantType: Type.String({ maxLength: 64 }),
    clientId: Type.String({ minLength: 1, maxLength: 128 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

/** OAuth 2.0 client-credentials grant (RFC 6749 §4.4) in the API's camelCase JSON: services get role `service`. */
export function clientTokenRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { grantType: string; clientId: string; clientSecret: string } }>(
    '/v1/auth/token',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Issue a service token for client credentials',
        tags: ['auth'],
        security: [],
        body: Body,
        response: {
          200: Type.Object({
            accessToken: Type.String(),
            tokenType: Type.Literal('Bearer'),
            expiresIn: Type.Integer(),
          }),
          400: ProblemRef,
          401: ProblemRef,
        },
      },
    },
    async (request) => {
      if (request.body.grantType !== 'client_credentials') {
        throw identityErrors.unsupported_grant_type('Only grantType client_credentials is supported');
      }
      const clientId = await ports.clients.verify(request.body.clientId, request.body.clientSecret);
      if (!clientId) throw identityErrors.invalid_client('The client id or secret is wrong');
      const access = await ports.accessTokens.issue({ sub: clientId, roles: ['service'] });
      return { ...access, tokenType: 'Bearer' as const };
    },
  );
}
