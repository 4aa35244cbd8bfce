import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import type { IdentityPorts } from '../../ports.ts';
import { signedInUser } from '../second-factor.ts';

const Enrollment = Type.Object({
  otpauthUri: Type.String({ description: 'The otpauth:// URI an authenticator app takes' }),
  qrSvg: Type.String({ description: 'The same URI as a QR code (SVG)' }),
  secret: Type.String({ description: 'The base32 secret, for typing in by hand' }),
});

/**
 * Starts enrolling an authenticator: a new secret, pending until POST /v1/auth/totp/confirm proves the
 * app has it. Calling again before confirming replaces the pending secret, so a lost answer is retried
 * by calling again; an enrolled user must disable first (409), so the working one is never replaced.
 */
export function totpEnrollRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post(
    '/v1/auth/totp/enroll',
    {
      schema: {
        summary: 'Start enrolling a TOTP authenticator (answers the otpauth URI and a QR code)',
        tags: ['auth'],
        response: { 200: Enrollment, 401: ProblemRef, 403: ProblemRef, 409: ProblemRef },
      },
    },
    async (request, reply) => {
      const user = await signedInUser(request, ports);
      const enrollment = await ports.totp.begin(user.id, user.email);
      if (!enrollment) throw identityErrors.totp_already_enrolled('Disable the current authenticator first');
      request.log.info({ userId: user.id }, 'totp enrollment started');
      // The secret is in the answer: nothing between here and the user may keep it.
      reply.header('cache-control', 'no-store');
      return enrollment;
    },
  );
}
