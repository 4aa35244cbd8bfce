/**
 * Deals asks identity who a user is by email (GET /v1/admin/users/lookup) with its own service-client
 * token (ADR 0016). The token comes from identity's client-credentials grant and is kept until shortly
 * before it expires; concurrent callers share one fetch. Every call has a timeout; a call that cannot
 * tell the answer throws IdentityUnavailable, which the route answers 503 so the client retries with the
 * same Idempotency-Key. A lookup only reads, so retrying it is always safe.
 */
export const IDENTITY_TIMEOUT_MS = 3_000;
export const TOKEN_REFRESH_EARLY_MS = 30_000;

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
  const now = opts.now ?? Date.now;
  let cached: { token: string; refreshAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const call = async (url: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(IDENTITY_TIMEOUT_MS) });
    } catch (err) {
      throw new IdentityUnavailable(`identity did not answer: ${(err as Error).message}`);
    }
  };
  const fetchToken = async (): Promise<string> => {
    const res = await call(`${base}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grantType: 'client_credentials',
        clientId: opts.clientId,
        clientSecret: opts.clientSecret,
      }),
    });
    if (!res.ok) throw new IdentityUnavailable(`identity refused the client credentials: ${res.status}`);
    const body = (await res.json()) as { accessToken: string; expiresIn: number };
    cached = {
      token: body.accessToken,
      refreshAtMs: now() + Math.max(0, body.expiresIn * 1000 - TOKEN_REFRESH_EARLY_MS),
    };
    return body.accessToken;
  };
  const token = (): Promise<string> => {
    if (cached && now() < cached.refreshAtMs) return Promise.resolve(cached.token);
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
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
        cached = undefined;
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
