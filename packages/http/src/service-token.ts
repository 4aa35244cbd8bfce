/**
 * A service's own access token, from identity's client-credentials grant (ADR 0016): cached until shortly
 * before it expires, concurrent callers sharing one fetch. Orders and deals call balance and identity with it.
 */
export const TOKEN_REFRESH_EARLY_MS = 30_000;
export const TOKEN_FETCH_TIMEOUT_MS = 3_000;

export interface ServiceTokens {
  get(): Promise<string>;
  /** Forget the cached token (the callee answered 401: it was revoked or the keys rotated). */
  invalidate(): void;
}

export class TokenUnavailable extends Error {}

export function serviceTokens(opts: {
  identityUrl: string;
  clientId: string;
  clientSecret: string;
  now?: () => number;
}): ServiceTokens {
  const now = opts.now ?? Date.now;
  let cached: { token: string; refreshAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    let res: Response;
    try {
      res = await fetch(`${opts.identityUrl.replace(/\/+$/, '')}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grantType: 'client_credentials',
          clientId: opts.clientId,
          clientSecret: opts.clientSecret,
        }),
        signal: AbortSignal.timeout(TOKEN_FETCH_TIMEOUT_MS),
      });
    } catch (err) {
      throw new TokenUnavailable(`identity did not answer: ${(err as Error).message}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new TokenUnavailable(`identity refused the client credentials: ${res.status}`);
    }
    const body = (await res.json()) as { accessToken: string; expiresIn: number };
    cached = {
      token: body.accessToken,
      refreshAtMs: now() + Math.max(0, body.expiresIn * 1000 - TOKEN_REFRESH_EARLY_MS),
    };
    return body.accessToken;
  };
  return {
    async get() {
      if (cached && now() < cached.refreshAtMs) return cached.token;
      inFlight ??= fetchToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
