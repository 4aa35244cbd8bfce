import type { FastifyInstance } from 'fastify';
import type { IdentityPorts } from '../../ports.ts';

/** The public keys access tokens are signed with (RFC 7517); verifiers cache it and refetch on unknown kid. */
export function jwksRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.get(
    '/.well-known/jwks.json',
    { config: { auth: 'public' }, schema: { summary: 'JSON Web Key Set', tags: ['auth'], security: [] } },
    async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(ports.accessTokens.jwks()),
  );
}
