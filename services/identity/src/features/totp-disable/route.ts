import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import type { IdentityPorts } from '../../ports.ts';
import { checkCodeThrottled, RecoveryCode, signedInUser, TotpCode } from '../second-factor.ts';

const Body = Type.Object(
  { code: Type.Optional(TotpCode), recoveryCode: Type.Optional(RecoveryCode) },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);

/**
 * Removes the authenticator, proven by a current code or a recovery code (a stolen access token alone
 * must not turn the second factor off). An enrollment still pending is dropped without a code: it
 * protects nothing yet. Repeating after success answers 409 totp_not_enrolled and changes nothing.
 */
export function totpDisableRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { code?: string; recoveryCode?: string } }>(
    '/v1/auth/totp/disable',
    {
      schema: {
        summary: 'Remove the TOTP authenticator (with a code or a recovery code)',
        tags: ['auth'],
        body: Body,
        response: {
          204: Type.Null(),
          400: ProblemRef,
          401: ProblemRef,
          403: ProblemRef,
          409: ProblemRef,
          429: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      const user = await signedInUser(request, ports);
      const state = await ports.totp.state(user.id);
      if (state === 'none') throw identityErrors.totp_not_enrolled();
      if (state === 'confirmed') await checkCodeThrottled(request, ports, user, request.body, 'confirmed');
      await ports.totp.disable(user.id);
      request.log.info({ userId: user.id, was: state }, 'totp disabled');
      return reply.code(204).send();
    },
  );
}
