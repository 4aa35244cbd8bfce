import type { Clock } from '@strongbox/kernel';
import { encodeBody } from './amounts.ts';
import { type Answer, readAnswer } from './answer.ts';
import { TransientFailure } from './errors.ts';

/** The bank takes a UUID as Idempotency-Key. */
export const IDEMPOTENCY_KEY_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** One request as the client methods describe it: the path template names the method for the limiter. */
export interface BankRequest {
  readonly method: HttpMethod;
  /** The path with `{name}` placeholders, e.g. `/api/v1/nominal-accounts/deals/{dealId}/accept`. */
  readonly template: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as the bank's JSON: bigint kopecks become decimal rubles. */
  readonly body?: unknown;
  /** Required on every create; supplied by the caller, never made up here. */
  readonly idempotencyKey?: string;
}

export interface Wire {
  readonly baseUrl: URL;
  readonly token: string;
  readonly clock: Clock;
  readonly fetch: typeof fetch;
}

/** `GET /api/v1/.../{dealId}`: the key the bank limits by, and the client's limiter with it. */
export const methodKey = (r: BankRequest) => `${r.method} ${r.template}`;

export function urlOf(base: URL, r: BankRequest): URL {
  const path = r.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = r.params?.[name];
    if (v === undefined || v === '') throw new TypeError(`${r.template}: ${name} is required`);
    return encodeURIComponent(v);
  });
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
  for (const [k, v] of Object.entries(r.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/** One try: the bank's answer, or a TransientFailure when the request got no answer at all. */
export async function sendOnce(w: Wire, r: BankRequest, signal: AbortSignal): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${w.token}`, accept: 'application/json' };
  if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
  const hasBody = r.body !== undefined;
  if (hasBody) headers['content-type'] = 'application/json';
  let res: Response;
  let text: string;
  try {
    res = await w.fetch(urlOf(w.baseUrl, r), {
      method: r.method,
      headers,
      signal,
      ...(hasBody ? { body: encodeBody(r.body) } : {}),
    });
    text = await res.text();
  } catch (err) {
    // Never the token: the message of a network error names the host and the cause only.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new TransientFailure({ message: `no answer from the bank: ${why}` });
  }
  return readAnswer(res.status, text, res.headers.get('retry-after'), w.clock.now().getTime());
}
