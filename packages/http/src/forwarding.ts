import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** The gateway's signature of the X-Forwarded-For it sends (ADR 0021). */
export const FORWARDED_SIGNATURE_HEADER = 'x-strongbox-forwarded-signature';
/** Headers believed only with a valid signature; stripped from every other request. */
const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded'] as const;
/** Keeps a signature of this header apart from any other use of the same secret. */
const SIGNED_CONTEXT = 'strongbox-forwarded-for\n';

/**
 * Whose X-Forwarded-For a service believes, so that per-address limits see the caller, not the gateway:
 * - `gateway`: only a request the gateway signed with one of these secrets (GATEWAY_FORWARDING_SECRET; two
 *   during a rotation). Every service behind the gateway.
 * - `proxies`: the connection comes from one of these addresses (the load balancers in front of the
 *   gateway, GATEWAY_TRUSTED_PROXIES). Only at the edge, where the peers cannot be given a secret.
 * - `none`: nobody's; the connection's address is the caller's.
 */
export type ForwardingPolicy =
  | { readonly kind: 'gateway'; readonly secrets: readonly string[] }
  | { readonly kind: 'proxies'; readonly addresses: readonly string[] }
  | { readonly kind: 'none' };

/**
 * The signature the gateway sends beside `forwardedFor`: HMAC-SHA256 under the shared secret, base64url.
 * A signature seen in transit or in a log lets its holder claim that one address, never the secret.
 *
 * @example
 * headers['x-forwarded-for'] = ip;
 * headers[FORWARDED_SIGNATURE_HEADER] = signForwardedFor(secret, ip);
 */
export function signForwardedFor(secret: string, forwardedFor: string): string {
  return createHmac('sha256', secret)
    .update(SIGNED_CONTEXT + forwardedFor)
    .digest('base64url');
}

/** Whether the request's X-Forwarded-For carries a valid signature under one of `secrets`. */
export function forwardedForSigned(headers: IncomingHttpHeaders, secrets: readonly string[]): boolean {
  const forwardedFor = headers['x-forwarded-for'];
  const signature = headers[FORWARDED_SIGNATURE_HEADER];
  if (typeof forwardedFor !== 'string' || typeof signature !== 'string') return false;
  const given = Buffer.from(signature);
  // Every secret is tried, so the time taken says nothing about which one matched or how much of it.
  let valid = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signForwardedFor(secret, forwardedFor));
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

/** Address and signature pairs found valid that a service remembers; beyond it the oldest is forgotten. */
export const SIGNED_PAIRS_REMEMBERED_MAX = 10_000;

/**
 * forwardedForSigned, remembering the pairs it found valid. Every request through the gateway carries
 * one, and the same callers come back: an HMAC per secret for each was a cost of every service behind
 * the gateway. A pair is remembered only once proven, so a caller can add nothing to the memory, and it
 * is looked up whole (address and signature as one key): no comparison of a guessed signature with a
 * remembered one can take longer the more of it is right.
 */
function signedPairs(secrets: readonly string[]): (headers: IncomingHttpHeaders) => boolean {
  const proven = new Set<string>();
  return (headers) => {
    const forwardedFor = headers['x-forwarded-for'];
    const signature = headers[FORWARDED_SIGNATURE_HEADER];
    if (typeof forwardedFor !== 'string' || typeof signature !== 'string') return false;
    const pair = `${forwardedFor}\n${signature}`;
    if (proven.has(pair)) return true;
    if (!forwardedForSigned(headers, secrets)) return false;
    if (proven.size >= SIGNED_PAIRS_REMEMBERED_MAX) proven.delete(proven.values().next().value as string);
    proven.add(pair);
    return true;
  };
}

/** How createHttpApp applies a policy: Fastify's trustProxy, and a step run first on every request. */
export interface Forwarding {
  readonly trustProxy: boolean | string[];
  /** Strips forwarded headers the policy does not believe, before anything reads `request.ip`. */
  admit(raw: IncomingMessage): void;
}

/**
 * Under `gateway`, Fastify trusts X-Forwarded-For from any peer, and `admit` first removes it (with the
 * other forwarded headers) from every request that is not signed, so `request.ip` is then the socket's.
 */
export function forwarding(policy: ForwardingPolicy): Forwarding {
  switch (policy.kind) {
    case 'gateway': {
      if (policy.secrets.length === 0) throw new Error('a gateway forwarding policy needs a secret');
      const signed = signedPairs(policy.secrets);
      return {
        trustProxy: true,
        admit: (raw) => {
          const headers = raw.headers;
          // Only headers that are there are deleted: most requests carry none of them, and a real delete
          // may leave the headers object in V8's slower dictionary form for the rest of the request.
          if (!signed(headers)) {
            for (const name of FORWARDED_HEADERS) if (headers[name] !== undefined) delete headers[name];
          }
          if (headers[FORWARDED_SIGNATURE_HEADER] !== undefined) delete headers[FORWARDED_SIGNATURE_HEADER];
        },
      };
    }
    case 'proxies':
      return { trustProxy: [...policy.addresses], admit: () => {} };
    case 'none':
      return { trustProxy: false, admit: () => {} };
    default: {
      const unreachable: never = policy;
      throw new Error(`unknown forwarding policy ${JSON.stringify(unreachable)}`);
    }
  }
}
