import { callerOf, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import type { IdentityPorts } from '../../ports.ts';

const Params = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

/**
 * Ends one of the caller's logins: every refresh token of that family stops working, so that browser is
 * signed out at its next refresh (its access token lives out its 15 minutes, as after logout). Ending it
 * again answers 204; a family that is not the caller's answers 404 like a missing one.
 */
export function revokeSessionRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.delete<{ Params: { id: string } }>(
    '/v1/auth/sessions/:id',
    {
      schema: {
        summary: 'End one of the caller’s logins (revoke its refresh-token family)',
        tags: ['auth'],
        params: Params,
        response: { 204: Type.Null(), 401: ProblemRef, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request, reply) => {
      const principal = callerOf(request);
      if (principal.kind !== 'user') throw identityErrors.not_a_user('Service clients have no sessions');
      const found = await ports.refreshTokens.revokeSession(principal.sub, request.params.id);
      if (!found) throw identityErrors.session_not_found();
      request.log.info({ userId: principal.sub, sessionId: request.params.id }, 'session ended');
      return reply.code(204).send();
    },
  );
}
