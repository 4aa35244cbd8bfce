import { createHash } from 'node:crypto';

/**
 * The Idempotency-Key of brief §4, as data: what identifies a keyed request, what its first answer was,
 * and what running it again comes to. The store (packages/postgres) keeps these; the HTTP edge
 * (packages/http) reads them off requests and sends them.
 *
 * @example
 * const req = { scope: 'usr_1', key: 'k-1', requestHash: requestHash('POST', '/v1/orders', body) };
 * const outcome: IdempotentOutcome = { kind: 'done', response: jsonResponse(201, view), replayed: false };
 */
export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;

/** A key in its scope: the caller (a token's `sub`), so keys of different callers never meet. */
export interface IdempotencyRef {
  readonly scope: string;
  readonly key: string;
}

export interface IdempotentRequest extends IdempotencyRef {
  /** `requestHash(method, path, body)`: a different request under the same key is refused. */
  readonly requestHash: Buffer;
}

/** The first answer: its status and its body as the exact JSON text that was sent. */
export interface StoredResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * What a keyed request comes to: its answer (the first one again when `replayed`), or one of the two
 * refusals of brief §4, which the HTTP edge answers 422 `idempotency_key_reused` and 409
 * `idempotency_in_progress`.
 */
export type IdempotentOutcome =
  | { readonly kind: 'done'; readonly response: StoredResponse; readonly replayed: boolean }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'running' };

export function isValidIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && key.length >= 1 && key.length <= IDEMPOTENCY_KEY_LENGTH_MAX;
}

/** A JSON answer as the exact text stored under its key. */
export function jsonResponse(status: number, body: unknown): StoredResponse {
  return { status, body: JSON.stringify(body ?? null) };
}

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The identity of a request: SHA-256 of its method, path (without query) and canonical JSON body. */
export function requestHash(method: string, path: string, body: unknown): Buffer {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body ?? null)}`)
    .digest();
}

/** A map key for a (scope, key) pair; NUL cannot occur in either (PostgreSQL text refuses it). */
export function refId(ref: IdempotencyRef): string {
  return `${ref.scope}\u0000${ref.key}`;
}
