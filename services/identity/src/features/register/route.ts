import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { normalizeEmail, passwordProblems } from '../../domain/password-policy.ts';
import { userView } from '../../domain/user.ts';
import type { IdentityPorts } from '../../ports.ts';
import { Email, Password, UserView } from '../schemas.ts';

const Body = Type.Object(
  { email: Email, password: Password, name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

/** Open registration creates customers only; staff roles are granted from the command line. */
export function registerRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { email: string; password: string; name: string } }>(
    '/v1/auth/register',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Register a customer account',
        tags: ['auth'],
        security: [],
        body: Body,
        response: { 201: UserView, 400: ProblemRef, 409: ProblemRef },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const name = request.body.name.trim();
      const problems = passwordProblems(password, email);
      if (problems.length > 0)
        throw identityErrors.weak_password('Choose a stronger password', { errors: problems });
      if (name.length === 0) {
        throw identityErrors.weak_password('The name is empty', {
          errors: [{ field: 'body/name', message: 'is empty' }],
        });
      }
      const user = await ports.users.insert({
        email: email.trim(),
        name,
        passwordHash: await ports.passwords.hash(password),
        roles: ['customer'],
        traceId: request.traceId,
      });
      if (!user) throw identityErrors.email_taken(`${normalizeEmail(email)} is already registered`);
      request.log.info({ userId: user.id }, 'user registered');
      return reply.code(201).send(userView(user));
    },
  );
}
