import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../../domain/errors.ts';
import { normalizeEmail } from '../../domain/password-policy.ts';
import { decideThrottle } from '../../domain/throttle.ts';
import { authMethods, secondFactorNeed } from '../../domain/totp.ts';
import type { IdentityPorts } from '../../ports.ts';
import { Email, Password, TokenAnswer } from '../schemas.ts';
import { proveCode, RecoveryCode, TotpCode } from '../second-factor.ts';
import { SessionQuery, sessionGuard, tokenAnswer } from '../session-cookie.ts';

const Body = Type.Object(
  {
    email: Email,
    password: Password,
    totpCode: Type.Optional(TotpCode),
    recoveryCode: Type.Optional(RecoveryCode),
  },
  { additionalProperties: false },
);
interface BodyT {
  email: string;
  password: string;
  totpCode?: string;
  recoveryCode?: string;
}

/**
 * Wrong email and wrong password answer alike, in about the same time (a decoy hash is checked when the
 * email is unknown), so the endpoint does not tell which accounts exist. Failures are throttled per account
 * and address pair, per account and per address before any password is checked (domain/throttle.ts).
 * A user with TOTP enrolled also gives `totpCode` (or a `recoveryCode`); without one the answer is 401
 * totp_required, and a wrong code counts as a failure like a wrong password (ADR 0026).
 */
export function loginRoute(app: FastifyInstance, ports: IdentityPorts): void {
  app.post<{ Body: BodyT }>(
    '/v1/auth/login',
    {
      config: { auth: 'public' },
      onRequest: sessionGuard,
      schema: {
        summary: 'Exchange email and password for an access and a refresh token',
        tags: ['auth'],
        security: [],
        querystring: SessionQuery,
        body: Body,
        response: { 200: TokenAnswer, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 429: ProblemRef },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      // The attempt is recorded as a failure before anything is checked, and forgiven on success. Counting
      // first and recording after would let a burst of parallel guesses all see the same low count; this
      // way the r-th concurrent attempt sees at least r rows, so at most the limit ever reach the password.
      const attempt = await ports.failures.record(email, request.ip);
      const history = await ports.failures.history(email, request.ip, attempt);
      const throttle = decideThrottle(history, ports.clock.now());
      if (throttle.kind === 'block') {
        await ports.failures.forget(attempt);
        throw identityErrors.too_many_attempts('Too many failed logins; try again later', {
          headers: { 'retry-after': String(throttle.retryAfterS) },
        });
      }
      const found = await ports.users.findCredentials(email);
      const ok = await ports.passwords.verify(
        request.body.password,
        found?.passwordHash ?? ports.passwords.decoyHash,
      );
      if (!found || !ok) {
        request.log.info({ reason: 'invalid_credentials' }, 'login failed');
        throw identityErrors.invalid_credentials('The email or the password is wrong');
      }
      const enrolled = (await ports.totp.state(found.user.id)) === 'confirmed';
      const need = secondFactorNeed(enrolled, request.body);
      if (need.kind === 'required') {
        // The password was right and no code was guessed: this is a step of the login, not a failure.
        await ports.failures.forget(attempt);
        throw identityErrors.totp_required('Send totpCode (or a recoveryCode) with the password');
      }
      if (need.kind !== 'none') {
        const given = need.kind === 'totp' ? { code: need.code } : { recoveryCode: need.code };
        if (!(await proveCode(ports, found.user.id, given, 'confirmed'))) {
          request.log.info({ reason: 'invalid_totp_code', userId: found.user.id }, 'login failed');
          throw identityErrors.invalid_totp_code('The code is wrong, expired or already used');
        }
      }
      await ports.failures.clearPair(email, request.ip);
      const access = await ports.accessTokens.issue({
        sub: found.user.id,
        roles: found.user.roles,
        totp: enrolled,
        amr: authMethods(enrolled),
        ...(need.kind === 'totp' ? { otpAt: Math.floor(ports.clock.now().getTime() / 1000) } : {}),
      });
      const refreshToken = await ports.refreshTokens.start(found.user.id);
      request.log.info({ userId: found.user.id }, 'login');
      return tokenAnswer(request, reply, { ...access, refreshToken, tokenType: 'Bearer' as const });
    },
  );
}
