import type { FastifyRequest } from 'fastify';
import type { Principal, Role } from './auth.ts';
import { httpErrors } from './problem.ts';

/**
 * The second factor at every service's edge (ADR 0026). Identity writes into each access token whether
 * the user has TOTP enrolled (`totp`) and when a code was last given (`otp_at`); every service enforces
 * the rules below from those claims alone, without calling identity.
 */

/** The roles that act on other people's money and so need a second factor. */
export const STAFF_ROLES: readonly Role[] = ['operator', 'admin'];
/** How long a code counts as fresh for a step-up action. */
export const STEP_UP_FRESH_S = 5 * 60;

/**
 * A user holding a staff role without TOTP enrolled keeps only the other roles: staff routes then answer
 * 403 `totp_enrollment_required` (the plugin tells this apart by `withheldRoles`), and every in-handler
 * check of "is this staff" sees an ordinary user. Services and enrolled users are left as they are.
 */
export function withoutUnprovenStaffRoles(p: Principal): Principal {
  if (p.kind !== 'user' || p.totp === true) return p;
  const withheld = p.roles.filter((r) => STAFF_ROLES.includes(r));
  if (withheld.length === 0) return p;
  return { ...p, roles: p.roles.filter((r) => !STAFF_ROLES.includes(r)), withheldRoles: withheld };
}

/**
 * Whether the principal gave a code within STEP_UP_FRESH_S of `nowS`, either way: identity stamps
 * `otp_at` by its clock, and the token's own `exp` already bounds how long it can be used.
 */
export function hasFreshCode(p: Principal, nowS: number): boolean {
  return p.otpAt !== undefined && Math.abs(nowS - p.otpAt) <= STEP_UP_FRESH_S;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Whether the second-factor rules apply (STAFF_TOTP_REQUIRED); set by the auth plugin. */
    secondFactorRequired: boolean;
  }
}

/**
 * Refuses, with 403 `step_up_required`, a user who has not given a TOTP code in the last five minutes
 * (POST /v1/auth/step-up answers such a token). Services are not asked: they hold no device, and their
 * client credentials are their proof. For a route that always needs it, set `auth: { stepUp: true }`;
 * call this where only some requests to a route move money out (balance's negative-allowed accounts).
 *
 * @example
 * if (body.allowNegative) requireStepUp(request);
 */
export function requireStepUp(request: FastifyRequest, nowMs: number = Date.now()): void {
  const p = request.principal;
  if (!request.secondFactorRequired || !p || p.kind !== 'user') return;
  if (hasFreshCode(p, Math.floor(nowMs / 1000))) return;
  throw httpErrors.step_up_required(
    'This action needs a TOTP code given in the last 5 minutes: POST /v1/auth/step-up, then retry with its token',
  );
}
