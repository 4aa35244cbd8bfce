/**
 * Deals asks identity who a user is by email (GET /v1/admin/users/lookup) with its own service-client
 * token (ADR 0016, `@strongbox/http/service-token`). Every call has a timeout; a call that cannot
 * tell the answer throws IdentityUnavailable, which the route answers 503 so the client retries with the
 * same Idempotency-Key. A lookup only reads, so retrying it is always safe.
 */
import { serviceTokens, TokenUnavailable } from '@strongbox/http/service-token';

export const IDENTITY_TIMEOUT_MS = 3_000;

export class IdentityUnavailable extends Error {}

export interface IdentityClient {
  /** The user's id, or undefined when no user has this email. */
  userIdByEmail(email: string, traceId: string): Promise<string | undefined>;
}

export function identityClient(opts: {
  identityUrl: string;
  clientId: string;
  clientSecret: string;
  now?: () => number;
}): IdentityClient {
  const base = opts.identityUrl.replace(/\/+$/, '');
  // The same token and cache as every service client; a token that cannot be had is identity being away.
  const tokens = serviceTokens(opts);
  const token = async (): Promise<string> => {
    try {
      return await tokens.get();
    } catch (err) {
      if (err instanceof TokenUnavailable) throw new IdentityUnavailable(err.message);
      throw err;
    }
  };
  const call = async (url: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(IDENTITY_TIMEOUT_MS) });
    } catch (err) {
      throw new IdentityUnavailable(`identity did not answer: ${(err as Error).message}`);
    }
  };
  const lookup = async (email: string, traceId: string) =>
    call(`${base}/v1/admin/users/lookup?email=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${await token()}`, 'x-trace-id': traceId },
    });

  return {
    async userIdByEmail(email, traceId) {
      let res = await lookup(email, traceId);
      // A 401 means the cached token was revoked or the keys rotated: fetch a new one, once.
      if (res.status === 401) {
        await res.body?.cancel();
        tokens.invalidate();
        res = await lookup(email, traceId);
      }
      if (res.status === 404 || res.status === 400) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new IdentityUnavailable(`identity answered the lookup with ${res.status}`);
      }
      return ((await res.json()) as { id: string }).id;
    },
  };
}
