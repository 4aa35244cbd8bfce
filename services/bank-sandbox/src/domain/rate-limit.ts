/**
 * A token bucket per method (HTTP method and path template), as the bank limits its API: `ratePerS`
 * requests a second, bursts up to the same number. Pure: time comes in as an argument.
 */
export interface Bucket {
  readonly tokens: number;
  readonly atMs: number;
}

export type Take =
  | { readonly allowed: true; readonly bucket: Bucket }
  | { readonly allowed: false; readonly bucket: Bucket; readonly retryAfterS: number };

export function take(bucket: Bucket | undefined, nowMs: number, ratePerS: number): Take {
  const start = bucket ?? { tokens: ratePerS, atMs: nowMs };
  const elapsedS = Math.max(0, nowMs - start.atMs) / 1000;
  const tokens = Math.min(ratePerS, start.tokens + elapsedS * ratePerS);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, atMs: nowMs } };
  return {
    allowed: false,
    bucket: { tokens, atMs: nowMs },
    retryAfterS: Math.max(1, Math.ceil((1 - tokens) / ratePerS)),
  };
}
