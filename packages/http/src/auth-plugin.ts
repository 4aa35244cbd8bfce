import { AppError } from '@strongbox/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { bearerToken, hasAnyRole, type Principal, type Role, type TokenVerifier } from './auth.ts';
import { httpErrors } from './problem.ts';
import { requireStepUp, withoutUnprovenStaffRoles } from './second-factor.ts';
import { cachingVerifier } from './token-cache.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /**
     * `public` routes need no token; otherwise a token is required and, if given, one of these roles.
     * `stepUp`: a user must also have given a TOTP code in the last 5 minutes (ADR 0026).
     */
    auth?: 'public' | { roles: readonly Role[]; stepUp?: boolean };
  }
}

/**
 * Every refused token cost a signature check, so a caller sending forged tokens spends our CPU at no cost
 * of its own; a budget counts refusals and stops checking for a caller past it.
 */
export interface TokenCheckBudget {
  /** Runs before a token's signature is checked (not for a token already verified); throws to refuse. */
  beforeCheck(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Runs after a token was refused. */
  refused(request: FastifyRequest): Promise<void>;
}

export interface AuthPluginOptions {
  /** Without one, only public routes can be served. Verified tokens are remembered until they expire. */
  readonly verifier: TokenVerifier | undefined;
  readonly tokenChecks: TokenCheckBudget | undefined;
  /** Staff need TOTP enrolled and step-up routes a fresh code (the verifier's staffTotpRequired). */
  readonly staffTotpRequired: boolean;
}

/**
 * Checks the bearer token of every route not marked `auth: 'public'` and sets `request.principal`; a
 * route's `auth: { roles }` also requires one of those roles. Unmatched paths pass to the 404 handler.
 * With staffTotpRequired, a user's staff roles count only once TOTP is enrolled (second-factor.ts).
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, opts) => {
    app.decorateRequest('principal', undefined);
    app.decorateRequest('secondFactorRequired', false);
    const verifier = opts.verifier ? cachingVerifier(opts.verifier) : undefined;
    const budget = opts.tokenChecks;
    // A callback hook, not an async one: a token already verified (nearly every request) is admitted
    // at once, without a promise and a turn of the event loop; only a signature check waits.
    app.addHook('onRequest', (request, reply, done) => {
      const rule = request.routeOptions.config.auth;
      if (rule === 'public' || request.routeOptions.url === undefined) return done();
      const token = bearerToken(request.headers.authorization);
      if (!token) throw httpErrors.unauthenticated('Send an access token as Authorization: Bearer <token>');
      if (!verifier) throw httpErrors.unauthenticated('This service accepts no tokens');
      const known = verifier.known(token);
      if (known) {
        admit(request, known, rule);
        return done();
      }
      verifier
        .verify(token, budget && (() => budget.beforeCheck(request, reply)))
        .then(
          (principal) => admit(request, principal, rule),
          async (err: unknown) => {
            if (budget && err instanceof AppError && err.status === 401) await budget.refused(request);
            throw err;
          },
        )
        .then(() => done(), done);
    });

    function admit(
      request: FastifyRequest,
      principal: Principal,
      rule: { roles: readonly Role[]; stepUp?: boolean } | undefined,
    ): void {
      request.secondFactorRequired = opts.staffTotpRequired;
      request.principal = opts.staffTotpRequired ? withoutUnprovenStaffRoles(principal) : principal;
      if (rule) checkRule(request, request.principal, rule);
    }
  },
  { name: 'strongbox-auth' },
);

function checkRule(
  request: FastifyRequest,
  principal: Principal,
  rule: { roles: readonly Role[]; stepUp?: boolean },
): void {
  if (!hasAnyRole(principal, rule.roles)) {
    if (principal.withheldRoles?.some((r) => rule.roles.includes(r)))
      throw httpErrors.totp_enrollment_required(
        'Staff must enroll a TOTP authenticator (POST /v1/auth/totp/enroll), then sign in again',
      );
    throw httpErrors.forbidden(`This needs one of the roles: ${rule.roles.join(', ')}`);
  }
  if (rule.stepUp) requireStepUp(request);
}
