import { callerOf } from '@strongbox/http';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { identityErrors } from '../domain/errors.ts';
import { normalizeEmail } from '../domain/password-policy.ts';
import { decideThrottle } from '../domain/throttle.ts';
import { normalizeRecoveryCode, RECOVERY_CODE_PATTERN, TOTP_CODE_PATTERN } from '../domain/totp.ts';
import type { User } from '../domain/user.ts';
import type { IdentityPorts, TotpState } from '../ports.ts';

/** Shapes and steps the TOTP use cases share (ADR 0026). */
export const TotpCode = Type.String({ pattern: TOTP_CODE_PATTERN, description: 'The 6-digit code' });
export const RecoveryCode = Type.String({
  pattern: RECOVERY_CODE_PATTERN,
  description: 'One of the recovery codes given at confirmation (each works once)',
});

export interface GivenCode {
  readonly code?: string | undefined;
  readonly recoveryCode?: string | undefined;
}

/** The signed-in user; a service client has no second factor. */
export async function signedInUser(request: FastifyRequest, ports: IdentityPorts): Promise<User> {
  const principal = callerOf(request);
  if (principal.kind !== 'user') throw identityErrors.not_a_user('Service clients have no second factor');
  const user = await ports.users.findById(principal.sub);
  if (!user) throw identityErrors.user_not_found('The account no longer exists');
  return user;
}

/** A TOTP code of the pending or confirmed secret, or (confirmed only) a recovery code, spent once. */
export async function proveCode(
  ports: IdentityPorts,
  userId: string,
  given: GivenCode,
  of: Exclude<TotpState, 'none'>,
): Promise<boolean> {
  if (given.code !== undefined) return await ports.totp.acceptCode(userId, given.code, of);
  const recovery = given.recoveryCode === undefined ? undefined : normalizeRecoveryCode(given.recoveryCode);
  if (of !== 'confirmed' || recovery === undefined) return false;
  return await ports.totp.spendRecoveryCode(userId, recovery);
}

/**
 * Checks a signed-in user's code under the login throttle (ADR 0006): a wrong code counts as a failed
 * login of the account from this address, so six digits cannot be guessed faster than a password. As at
 * login, the attempt is recorded before the check and forgiven when the throttle refuses it.
 */
export async function checkCodeThrottled(
  request: FastifyRequest,
  ports: IdentityPorts,
  user: User,
  given: GivenCode,
  of: Exclude<TotpState, 'none'>,
): Promise<void> {
  const email = normalizeEmail(user.email);
  const attempt = await ports.failures.record(email, request.ip);
  const history = await ports.failures.history(email, request.ip, attempt);
  const throttle = decideThrottle(history, ports.clock.now());
  if (throttle.kind === 'block') {
    await ports.failures.forget(attempt);
    throw identityErrors.too_many_attempts('Too many wrong codes; try again later', {
      headers: { 'retry-after': String(throttle.retryAfterS) },
    });
  }
  if (!(await proveCode(ports, user.id, given, of))) {
    request.log.info({ userId: user.id, reason: 'invalid_totp_code' }, 'second factor refused');
    throw identityErrors.invalid_totp_code('The code is wrong, expired or already used');
  }
  await ports.failures.clearPair(email, request.ip);
}
