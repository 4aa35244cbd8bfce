import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { userView } from '../../domain/user.ts';
import type { IdentityPorts } from '../../ports.ts';
import { UserView } from '../schemas.ts';

const ServiceView = Type.Object({
  id: Type.String(),
  kind: Type.Literal('service'),
  roles: Type.Array(Type.String()),
});

export function meRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.get(
    '/v1/me',
    {
      schema: {
        summary: 'The caller, as identified by the access token',
        tags: ['users'],
        response: { 200: Type.Union([UserView, ServiceView]), 401: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (!principal) throw identityErrors.user_not_found();
      if (principal.kind === 'service')
        return { id: principal.sub, kind: 'service' as const, roles: principal.roles };
      const user = await ports.users.findById(principal.sub);
      if (!user) throw identityErrors.user_not_found('The account no longer exists');
      return userView(user);
    },
  );
}
