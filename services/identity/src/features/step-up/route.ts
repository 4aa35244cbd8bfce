import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { authMethods, STEP_UP_TOKEN_TTL_S } from '../../domain/totp.ts';
import type { IdentityPorts } from '../../ports.ts';
import { checkCodeThrottled, signedInUser, TotpCode } from '../second-factor.ts';

const Body = Type.Object({ code: TotpCode }, { additionalProperties: false });
const StepUpToken = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
});

/**
 * Exchanges a fresh code for a short-lived access token carrying `otp_at`, which routes marked
 * `auth: { stepUp: true }` (money out, or where it goes) accept for five minutes. Only a code from the
 * device counts: recovery codes are for getting back in, not for moving money.
 */
export function stepUpRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: { code: string } }>(
    '/v1/auth/step-up',
    {
      schema: {
        summary: 'Exchange a fresh TOTP code for a short-lived access token for step-up actions',
        tags: ['auth'],
        body: Body,
        response: {
          200: StepUpToken,
          400: ProblemRef,
          401: ProblemRef,
          403: ProblemRef,
          409: ProblemRef,
          429: ProblemRef,
        },
      },
    },
    async (request) => {
      const user = await signedInUser(request, ports);
      if ((await ports.totp.state(user.id)) !== 'confirmed')
        throw identityErrors.totp_not_enrolled('Enroll with POST /v1/auth/totp/enroll first');
      await checkCodeThrottled(request, ports, user, { code: request.body.code }, 'confirmed');
      const access = await ports.accessTokens.issue({
        sub: user.id,
        roles: user.roles,
        totp: true,
        amr: authMethods(true),
        otpAt: Math.floor(ports.clock.now().getTime() / 1000),
        ttlS: STEP_UP_TOKEN_TTL_S,
      });
      request.log.info({ userId: user.id }, 'step-up');
      return { ...access, tokenType: 'Bearer' as const };
    },
  );
}
