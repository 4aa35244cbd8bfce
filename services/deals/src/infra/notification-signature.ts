/**
 * Whether a bank notification is authentic and fresh, decided from its headers, its raw body, the secrets
 * and the time, all passed in. The scheme (the bank-sandbox documents the same one): `X-Timestamp` is unix
 * seconds, `X-Signature` the lowercase hex HMAC-SHA256 of "<timestamp>.<raw body>" under the shared secret;
 * during a rotation the bank signs with both secrets (comma-separated signatures) and we accept either.
 * Time comes in as an argument.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a notification's timestamp may be from our clock, either way. */
export const SIGNATURE_WINDOW_S = 300;
/** A sender signs with at most this many secrets at once (the old and the new during a rotation). */
export const SIGNATURES_MAX = 2;
const SIGNATURE_HEX_LENGTH = 64;

export type SignatureVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'signature_missing' | 'signature_malformed' | 'signature_stale' | 'signature_mismatch';
    };

export interface SignedNotification {
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: Buffer;
}

export interface SignatureDeps {
  readonly secrets: readonly string[];
  readonly nowMs: number;
}

export function verifySignature(n: SignedNotification, deps: SignatureDeps): SignatureVerdict {
  if (!n.timestamp || !n.signature) return { ok: false, code: 'signature_missing' };
  if (!/^\d{1,12}$/.test(n.timestamp)) return { ok: false, code: 'signature_malformed' };
  const given = n.signature.split(',').map((s) => s.trim());
  if (
    given.length > SIGNATURES_MAX ||
    !given.every((s) => s.length === SIGNATURE_HEX_LENGTH && /^[0-9a-f]+$/i.test(s))
  )
    return { ok: false, code: 'signature_malformed' };
  const skewS = Math.abs(deps.nowMs / 1000 - Number(n.timestamp));
  if (skewS > SIGNATURE_WINDOW_S) return { ok: false, code: 'signature_stale' };
  const payload = Buffer.concat([Buffer.from(`${n.timestamp}.`, 'utf8'), n.rawBody]);
  // Every pair is compared, match or not, so the time taken says nothing about which secret matched.
  let matched = false;
  for (const secret of deps.secrets) {
    const expected = createHmac('sha256', secret).update(payload).digest();
    for (const s of given) if (timingSafeEqual(expected, Buffer.from(s, 'hex'))) matched = true;
  }
  return matched ? { ok: true } : { ok: false, code: 'signature_mismatch' };
}
