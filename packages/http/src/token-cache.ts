import type { Principal, TokenVerifier } from './auth.ts';

/** Verified tokens remembered at once; beyond it the oldest is forgotten (a bounded FIFO). */
export const TOKEN_CACHE_SIZE_MAX = 10_000;
/** A remembered token is verified again after this long even if it has not expired. */
export const TOKEN_CACHE_TTL_MAX_MS = 60_000;

export interface CachingVerifier extends TokenVerifier {
  /** `beforeCheck` runs only when the token is not remembered, i.e. when a signature check is to be paid. */
  verify(token: string, beforeCheck?: () => Promise<void>): Promise<Principal>;
  /**
   * The principal of a token remembered and not yet due for another check, at once (no promise, no
   * turn of the event loop: the common case of every request); undefined: `verify` it.
   */
  known(token: string): Principal | undefined;
}

/**
 * Remembers tokens already verified, until they expire (at most a minute), so that a client sending
 * thousands of transfers with one access token pays for one EdDSA signature check, not thousands: the
 * check was ~15% of the CPU of a transfer under load. Only a token byte-for-byte identical to a verified
 * one is a hit, and access tokens cannot be revoked before they expire anyway (ADR 0005), so nothing is
 * accepted that the plain verifier would refuse, except a token whose signing key was retired in the
 * last minute. createHttpApp puts it in front of every service's verifier.
 */
export function cachingVerifier(inner: TokenVerifier, now: () => number = Date.now): CachingVerifier {
  const cache = new Map<string, { principal: Principal; untilMs: number }>();
  const known = (token: string): Principal | undefined => {
    const hit = cache.get(token);
    if (hit === undefined) return undefined;
    if (hit.untilMs > now()) return hit.principal;
    cache.delete(token);
    return undefined;
  };
  return {
    known,
    async verify(token, beforeCheck) {
      const hit = known(token);
      if (hit) return hit;
      if (beforeCheck) await beforeCheck();
      const principal = await inner.verify(token);
      const expMs = expiryMs(token);
      if (expMs !== undefined) {
        if (cache.size >= TOKEN_CACHE_SIZE_MAX) cache.delete(cache.keys().next().value as string);
        cache.set(token, { principal, untilMs: Math.min(expMs, now() + TOKEN_CACHE_TTL_MAX_MS) });
      }
      return principal;
    },
  };
}

/** The `exp` of a token the inner verifier has just accepted (so its payload is well-formed JSON). */
function expiryMs(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
