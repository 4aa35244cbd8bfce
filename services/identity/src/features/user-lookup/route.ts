import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { normalizeEmail } from '../../domain/password-policy.ts';
import { userView } from '../../domain/user.ts';
import type { IdentityPorts } from '../../ports.ts';
import { Email, UserView } from '../schemas.ts';

/**
 * Finds a user by email, for the services that name people by email (deals names its payer so) and for
 * admins. Not for customers or agents: it would let anyone learn who is registered. Service tokens are
 * identity's own client-credentials tokens (ADR 0016).
 */
export function userLookupRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.get<{ Querystring: { email: string } }>(
    '/v1/admin/users/lookup',
    {
      config: { auth: { roles: ['admin', 'service'] } },
      schema: {
        summary: 'Find a user by email (admins and services only)',
        tags: ['users'],
        querystring: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 200: UserView, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const user = await ports.users.findByEmail(normalizeEmail(request.query.email));
      if (!user) throw identityErrors.user_not_found('No user has this email');
      return userView(user);
    },
  );
}
