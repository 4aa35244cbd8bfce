import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import type { IdentityPorts } from '../../ports.ts';
import { checkCodeThrottled, signedInUser, TotpCode } from '../second-factor.ts';

const Body = Type.Object({ code: TotpCode }, { additionalProperties: false });
const Confirmed = Type.Object({
  recoveryCodes: Type.Array(Type.String(), {
    description: 'Single-use codes for a lost device; shown only now, stored only hashed',
  }),
});

/**
 * Confirms the pending authenticator with a first code. From then on login needs a code, and new access
 * tokens say `totp: true`, so staff routes answer (after a refresh or a new login). The recovery codes
 * exist in clear only in this answer: a second confirmation answers 409, never the codes again.
 */
export function totpConfirmRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { code: string } }>(
    '/v1/auth/totp/confirm',
    {
      schema: {
        summary: 'Confirm the TOTP authenticator with a first code; answers ten recovery codes',
        tags: ['auth'],
        body: Body,
        response: {
          200: Confirmed,
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
      if (state === 'confirmed') throw identityErrors.totp_already_enrolled();
      if (state === 'none') throw identityErrors.totp_not_pending('Start with POST /v1/auth/totp/enroll');
      await checkCodeThrottled(request, ports, user, { code: request.body.code }, 'pending');
      const recoveryCodes = await ports.totp.confirm(user.id);
      if (!recoveryCodes) throw identityErrors.totp_already_enrolled();
      request.log.info({ userId: user.id }, 'totp enrolled');
      reply.header('cache-control', 'no-store');
      return { recoveryCodes };
    },
  );
}
