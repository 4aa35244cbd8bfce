import { IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { userView } from '../../domain/user.ts';
import type { IdentityPorts } from '../../ports.ts';
import { UserView } from '../schemas.ts';

/** Room for every known role with repeats; anything longer is not a role set. */
const ROLES_MAX = 16;

const Body = Type.Object(
  {
    roles: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), {
      maxItems: ROLES_MAX,
      description: 'The complete set of roles the user will have (customer, agent, operator, admin)',
    }),
  },
  { additionalProperties: false },
);

/**
 * PUT /v1/admin/users/{id}/roles: an admin replaces a user's roles. A PUT of the full set, so repeating it
 * is harmless (the brief's idempotency for writes without an Idempotency-Key); each real change is recorded
 * with who made it and the request's trace id. The user's next access token carries the new roles; tokens
 * already issued keep theirs until they expire (minutes), which is why the change answers what it set.
 */
export function setRolesRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.put<{ Params: { id: string }; Body: { roles: string[] } }>(
    '/v1/admin/users/:id/roles',
    {
      config: { auth: { roles: ['admin'] } },
      schema: {
        summary: "Replace a user's roles (admins only; audited)",
        tags: ['admin'],
        params: IdParams,
        body: Body,
        response: {
          200: UserView,
          400: ProblemRef,
          401: ProblemRef,
          403: ProblemRef,
          404: ProblemRef,
          422: ProblemRef,
        },
      },
    },
    async (request) => {
      const outcome = await ports.users.changeRoles({
        userId: request.params.id,
        requested: request.body.roles,
        by: request.principal?.sub ?? '',
        traceId: request.traceId,
      });
      switch (outcome.kind) {
        case 'changed':
        case 'unchanged':
          return userView(outcome.user);
        case 'not_found':
          throw identityErrors.user_not_found();
        case 'refused':
          throw identityErrors[outcome.code](outcome.detail);
        default: {
          const unreachable: never = outcome;
          return unreachable;
        }
      }
    },
  );
}
