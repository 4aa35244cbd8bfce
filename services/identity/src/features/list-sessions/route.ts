import { callerOf, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import type { IdentityPorts } from '../../ports.ts';

const Session = Type.Object({
  id: Type.String({ description: 'The login (refresh-token family); DELETE /v1/auth/sessions/{id} ends it' }),
  createdAt: Type.String({ format: 'date-time', description: 'When the user logged in' }),
  lastUsedAt: Type.String({ format: 'date-time', description: 'The last refresh (or the login)' }),
  current: Type.Boolean({
    description:
      'Whether this is the caller’s own login. Access tokens do not carry their family, so this is false for all',
  }),
});
// The usual page shape, with no next page: a person has a handful of logins at most (30 days each).
const SessionList = Type.Object({ data: Type.Array(Session), nextCursor: Type.Null() });

/**
 * The caller's live logins, one per refresh-token family that can still refresh (ADR 0029). No address or
 * browser is shown because none is stored with the tokens.
 */
export function listSessionsRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.get(
    '/v1/auth/sessions',
    {
      schema: {
        summary: 'The caller’s live logins (sessions)',
        tags: ['auth'],
        response: { 200: SessionList, 401: ProblemRef, 403: ProblemRef },
      },
    },
    async (request, reply) => {
      const principal = callerOf(request);
      if (principal.kind !== 'user') throw identityErrors.not_a_user('Service clients have no sessions');
      const sessions = await ports.refreshTokens.sessions(principal.sub);
      reply.header('cache-control', 'no-store');
      return {
        nextCursor: null,
        data: sessions.map((s) => ({
          id: s.familyId,
          createdAt: s.createdAt.toISOString(),
          lastUsedAt: s.lastUsedAt.toISOString(),
          current: false,
        })),
      };
    },
  );
}
