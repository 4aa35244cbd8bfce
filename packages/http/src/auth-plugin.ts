import { AppError } from '@strongbox/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { bearerToken, hasAnyRole, type Principal, type Role, type TokenVerifier } from './auth.ts';
import { httpErrors } from './problem.ts';
import { cachingVerifier } from './token-cache.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** `public` routes need no token; otherwise a token is required and, if given, one of these roles. */
    auth?: 'public' | { roles: readonly Role[] };
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
}

/**
 * Checks the bearer token of every route not marked `auth: 'public'` and sets `request.principal`; a
 * route's `auth: { roles }` also requires one of those roles. Unmatched paths pass to the 404 handler.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, opts) => {
    app.decorateRequest('principal', undefined);
    const verifier = opts.verifier ? cachingVerifier(opts.verifier) : undefined;
    const budget = opts.tokenChecks;
    app.addHook('onRequest', async (request, reply) => {
      const rule = request.routeOptions.config.auth;
      if (rule === 'public' || request.routeOptions.url === undefined) return;
      const token = bearerToken(request.headers.authorization);
      if (!token) throw httpErrors.unauthenticated('Send an access token as Authorization: Bearer <token>');
      if (!verifier) throw httpErrors.unauthenticated('This service accepts no tokens');
      try {
        request.principal = await verifier.verify(
          token,
          budget && (() => budget.beforeCheck(request, reply)),
        );
      } catch (err) {
        if (budget && err instanceof AppError && err.status === 401) await budget.refused(request);
        throw err;
      }
      if (rule && !hasAnyRole(request.principal, rule.roles)) {
        throw httpErrors.forbidden(`This needs one of the roles: ${rule.roles.join(', ')}`);
      }
    });
  },
  { name: 'strongbox-auth' },
);
