import { createHttpApp, type ForwardingPolicy, jwtVerifier, type Logger } from '@strongbox/http';
import { type Clock, newId, type SecretKeys } from '@strongbox/kernel';
import { type Pool, ping } from '@strongbox/postgres';
import type { ServiceParts } from '@strongbox/service';
import type { FastifyInstance } from 'fastify';
import { createLocalJWKSet } from 'jose';
import { normalizeEmail } from './domain/password-policy.ts';
import { THROTTLE_WINDOW_MS } from './domain/throttle.ts';
import { clientTokenRoute } from './features/client-token/route.ts';
import { jwksRoute } from './features/jwks/route.ts';
import { listSessionsRoute } from './features/list-sessions/route.ts';
import { loginRoute } from './features/login/route.ts';
import { logoutRoute } from './features/logout/route.ts';
import { meRoute } from './features/me/route.ts';
import { refreshRoute } from './features/refresh/route.ts';
import { registerRoute } from './features/register/route.ts';
import { revokeSessionRoute } from './features/revoke-session/route.ts';
import { setRolesRoute } from './features/set-roles/route.ts';
import { stepUpRoute } from './features/step-up/route.ts';
import { totpConfirmRoute } from './features/totp-confirm/route.ts';
import { totpDisableRoute } from './features/totp-disable/route.ts';
import { totpEnrollRoute } from './features/totp-enroll/route.ts';
import { userLookupRoute } from './features/user-lookup/route.ts';
import { accessTokenIssuer } from './infra/access-tokens.ts';
import { verifyClient } from './infra/clients.ts';
import { clearPairFailures, failureHistory, forgetAttempt, recordFailure } from './infra/login-failures.ts';
import { hashPassword, SCRYPT_DEFAULT, type ScryptParams, verifyPassword } from './infra/passwords.ts';
import { pruneJob } from './infra/prune.ts';
import {
  liveSessions,
  newRefreshToken,
  revokeFamilyOf,
  revokeUserFamily,
  rotate,
  startFamily,
} from './infra/refresh-tokens.ts';
import { changeRoles } from './infra/role-changes.ts';
import { loadKeyRing } from './infra/signing-keys.ts';
import { totpAdapter } from './infra/totp-adapter.ts';
import { resealTotpSecrets } from './infra/totp-secrets.ts';
import { findCredentialsByEmail, findUserByEmail, findUserById, insertUser } from './infra/users.ts';
import type { IdentityPorts } from './ports.ts';

export const SERVICE = 'identity';
export const VERSION = '0.1.0';
/** Identity's own tables; it uses none of the shared modules. main.ts and the tests apply exactly these. */
export const MIGRATIONS = { schema: SERVICE, dir: new URL('./migrations', import.meta.url).pathname };

export interface IdentityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly issuer: string;
  readonly audience: string;
  /** Whose X-Forwarded-For is believed (the gateway's, signed; ADR 0021). Default: nobody's. */
  readonly forwarding?: ForwardingPolicy | undefined;
  /**
   * SECRETS_KEY: seals the private signing keys and the TOTP secrets at rest, newest first (ADR 0027).
   * Absent (development only): they are stored as plain text.
   */
  readonly secrets?: SecretKeys | undefined;
  /** Tests lower the scrypt cost; production keeps the default. */
  readonly scrypt?: ScryptParams;
  /** Staff need TOTP enrolled, step-up routes a fresh code (STAFF_TOTP_REQUIRED; ADR 0026). */
  readonly staffTotpRequired: boolean;
}

export interface IdentityApp extends ServiceParts {
  readonly app: FastifyInstance;
}

/** Wires the identity use cases to PostgreSQL and the signing keys; used by main.ts and by tests. */
export async function buildApp(deps: IdentityDeps): Promise<IdentityApp> {
  const { pool, clock } = deps;
  const ring = await loadKeyRing(pool, clock, deps.secrets);
  await resealTotpSecrets(pool, deps.secrets, deps.logger);
  const scrypt = deps.scrypt ?? SCRYPT_DEFAULT;
  const since = () => new Date(clock.now().getTime() - THROTTLE_WINDOW_MS);
  const issueRefresh = (userId: string, familyId: string) => ({
    id: newId('rt', clock),
    familyId,
    userId,
    token: newRefreshToken(),
    at: clock.now(),
  });
  const ports: IdentityPorts = {
    clock,
    users: {
      insert: (u) =>
        insertUser(pool, {
          ...u,
          id: newId('usr', clock),
          emailNormalized: normalizeEmail(u.email),
          at: clock.now(),
        }),
      findById: (id) => findUserById(pool, id),
      findByEmail: (email) => findUserByEmail(pool, email),
      findCredentials: (email) => findCredentialsByEmail(pool, email),
      changeRoles: (c) => changeRoles(pool, { ...c, changeId: newId('rlc', clock), at: clock.now() }),
    },
    passwords: {
      hash: (p) => hashPassword(p, scrypt),
      verify: verifyPassword,
      decoyHash: await hashPassword('decoy password never matches', scrypt),
    },
    failures: {
      record: (email, ip) => recordFailure(pool, email, ip, clock.now(), since()),
      history: (email, ip, exceptId) => failureHistory(pool, email, ip, since(), exceptId),
      forget: (id) => forgetAttempt(pool, id),
      clearPair: (email, ip) => clearPairFailures(pool, email, ip),
    },
    refreshTokens: {
      async start(userId) {
        const first = issueRefresh(userId, newId('rtf', clock));
        await startFamily(pool, first);
        return first.token;
      },
      async rotate(token) {
        let issued = '';
        const outcome = await rotate(pool, token, clock.now(), (userId, familyId) => {
          const next = issueRefresh(userId, familyId);
          issued = next.token;
          return next;
        });
        return outcome.kind === 'rotated' ? { ...outcome, token: issued } : outcome;
      },
      revokeFamily: (token) => revokeFamilyOf(pool, token, clock.now()),
      sessions: (userId) => liveSessions(pool, userId, clock.now()),
      revokeSession: (userId, familyId) => revokeUserFamily(pool, userId, familyId, clock.now()),
    },
    accessTokens: accessTokenIssuer(ring, { issuer: deps.issuer, audience: deps.audience }, clock),
    clients: { verify: (id, secret) => verifyClient(pool, id, secret) },
    totp: totpAdapter(pool, clock, deps.secrets),
  };

  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger: deps.logger,
    description: 'Users, credentials, access and refresh tokens, service clients.',
    // Identity checks its own tokens against its own keys: no network hop to its JWKS endpoint.
    verifier: jwtVerifier({
      keys: createLocalJWKSet({ keys: [...ring.published] }),
      issuer: deps.issuer,
      audience: deps.audience,
      staffTotpRequired: deps.staffTotpRequired,
    }),
    readiness: { database: () => ping(pool) },
    ...(deps.forwarding ? { forwarding: deps.forwarding } : {}),
  });
  for (const route of [
    registerRoute,
    loginRoute,
    refreshRoute,
    logoutRoute,
    meRoute,
    clientTokenRoute,
    jwksRoute,
    setRolesRoute,
    totpEnrollRoute,
    totpConfirmRoute,
    totpDisableRoute,
    stepUpRoute,
    userLookupRoute,
    listSessionsRoute,
    revokeSessionRoute,
  ]) {
    route(app, ports);
  }
  return { app, periodicJobs: [pruneJob(clock, deps.logger)] };
}
