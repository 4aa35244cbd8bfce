import { createRemoteJWKSet, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { httpErrors } from './problem.ts';

export const ROLES = ['customer', 'agent', 'operator', 'admin', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly kind: 'user' | 'service';
  readonly tokenId: string;
  /** The token says the user has TOTP enrolled (ADR 0026); absent on older tokens and for services. */
  readonly totp?: boolean;
  /** When the user last gave a TOTP code (unix seconds), for step-up actions. */
  readonly otpAt?: number;
  /** Staff roles the token names but the auth plugin set aside until TOTP is enrolled. */
  readonly withheldRoles?: readonly Role[];
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
  /**
   * Whether staff must have TOTP enrolled and step-up routes need a fresh code (STAFF_TOTP_REQUIRED,
   * on by default in every deployed service). Absent: off, as for verifiers built directly in tests.
   */
  readonly staffTotpRequired?: boolean;
}

export const ACCESS_TOKEN_ALG = 'EdDSA';
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const CLOCK_TOLERANCE_S = 5;
/** After an unknown `kid`, the key set is fetched again at most this often (a forged kid cannot force a storm). */
export const JWKS_COOLDOWN_MS = 30_000;
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
export const JWKS_TIMEOUT_MS = 3_000;

/**
 * Verifies access tokens against a key set: only EdDSA (so `alg: none` and HS256 key confusion are refused),
 * header `typ: at+jwt`, the expected issuer and audience, an unexpired `exp`, and a known `kid`.
 *
 * @example
 * const verifier = jwtVerifier({ keys: remoteKeys('http://127.0.0.1:3001/.well-known/jwks.json'), issuer, audience });
 */
export function jwtVerifier(opts: {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** See TokenVerifier.staffTotpRequired; runService passes STAFF_TOTP_REQUIRED. */
  staffTotpRequired?: boolean;
}): TokenVerifier {
  return {
    staffTotpRequired: opts.staffTotpRequired ?? false,
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, opts.keys, {
          algorithms: [ACCESS_TOKEN_ALG],
          // RFC 9068 §4: an access token says so in its header, so an ID token or another JWT signed by the
          // same key cannot be replayed as one.
          typ: ACCESS_TOKEN_TYP,
          issuer: opts.issuer,
          audience: opts.audience,
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['sub', 'exp', 'jti'],
        });
        const roles = Array.isArray(payload['roles']) ? payload['roles'].filter(isRole) : [];
        return {
          sub: String(payload.sub),
          roles,
          kind: roles.includes('service') ? 'service' : 'user',
          tokenId: String(payload.jti),
          totp: payload['totp'] === true,
          ...(Number.isSafeInteger(payload['otp_at']) ? { otpAt: payload['otp_at'] as number } : {}),
        };
      } catch (err) {
        // Keys that cannot be fetched are our outage, not the caller's bad token.
        if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) {
          throw httpErrors.auth_unavailable('The signing keys could not be fetched; try again shortly');
        }
        throw httpErrors.invalid_token(describe(err));
      }
    },
  };
}

/** The identity service's published keys, cached and refetched when a token names an unknown `kid`. */
export function remoteKeys(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
}

function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

function describe(err: joseErrors.JOSEError): string {
  if (err instanceof joseErrors.JWTExpired) return 'The access token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `The access token's ${err.claim} claim is not accepted`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The access token uses an algorithm that is not accepted';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'The access token was not signed by a known key';
  return 'The access token could not be verified';
}

/** Reads `Authorization: Bearer <token>`; anything else is treated as no credentials. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  return match?.[1];
}

export function hasAnyRole(principal: Principal, allowed: readonly Role[]): boolean {
  return principal.roles.some((r) => allowed.includes(r));
}
