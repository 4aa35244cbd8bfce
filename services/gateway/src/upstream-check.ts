import type { Clock } from '@strongbox/kernel';
import { type TtlCache, ttlCache } from './ttl-cache.ts';

/** The upstream's /health must answer within this, or it is taken as unavailable for this request. */
export const UPSTREAM_CHECK_TIMEOUT_MS = 1_500;
/** How long an answer about who the upstream is stands before it is asked again. */
export const UPSTREAM_CHECK_TTL_MS = 30_000;

export type UpstreamVerdict =
  | { readonly kind: 'expected' }
  | { readonly kind: 'other'; readonly service: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

/**
 * Who answers at `baseUrl`, from the `service` its /health names (every Strongbox service says it). A
 * route that must reach one service only (the bank sandbox's controls) is refused when another one, or
 * the real bank, is configured there, whatever the configuration flags say. An unreachable upstream is
 * asked again on the next request.
 */
export function upstreamCheck(baseUrl: string, expected: string, clock: Clock): TtlCache<UpstreamVerdict> {
  return ttlCache(async () => {
    const verdict = await ask(baseUrl, expected);
    return { value: verdict, ttlMs: verdict.kind === 'unreachable' ? 0 : UPSTREAM_CHECK_TTL_MS };
  }, clock);
}

async function ask(baseUrl: string, expected: string): Promise<UpstreamVerdict> {
  try {
    const res = await fetch(`${baseUrl}/health`, {
      signal: AbortSignal.timeout(UPSTREAM_CHECK_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (!res.ok) {
      await res.body?.cancel();
      // A failing server may be ours, restarting; a refusal (404 and the like) says it is someone else.
      return res.status >= 500
        ? { kind: 'unreachable', reason: `HTTP ${res.status}` }
        : { kind: 'other', service: `HTTP ${res.status}` };
    }
    const text = await res.text();
    let service = '';
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null && 'service' in body) service = String(body.service);
    } catch {
      // Not JSON: not one of ours.
    }
    return service === expected ? { kind: 'expected' } : { kind: 'other', service: service || 'unknown' };
  } catch (err) {
    return { kind: 'unreachable', reason: err instanceof Error ? err.message : 'failed' };
  }
}
