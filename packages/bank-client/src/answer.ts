import { parseLosslessJson } from '@strongbox/kernel';
import { decodeBody } from './amounts.ts';
import { type BankErrorBody, BankResponseInvalid, TransientFailure } from './errors.ts';

/**
 * How one HTTP answer of the bank is read. Pure, so the rules are tested without a bank:
 *
 * - 2xx: the body, with amounts as bigint kopecks (unreadable: BankResponseInvalid);
 * - 429, 5xx, and 409 IDEMPOTENCY_IN_PROGRESS (the first try under this key is still running): nothing was
 *   decided, so a TransientFailure that the policy retries, with the bank's Retry-After;
 * - any other 4xx: the bank's refusal, final for this request.
 */
export type Answer =
  | { readonly kind: 'ok'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'refused'; readonly status: number; readonly error: BankErrorBody };

export function readAnswer(status: number, text: string, retryAfter: string | null, nowMs: number): Answer {
  if (status >= 200 && status < 300) {
    if (text === '') return { kind: 'ok', status, body: undefined };
    const decoded = decodeBody(text);
    if (!decoded.ok) throw new BankResponseInvalid(status, decoded.reason);
    return { kind: 'ok', status, body: decoded.value };
  }
  const error = errorBodyOf(status, text);
  if (status === 429 || status >= 500 || (status === 409 && error.errorCode === 'IDEMPOTENCY_IN_PROGRESS'))
    throw new TransientFailure(
      { status, errorCode: error.errorCode, message: `the bank answered ${status} ${error.errorCode}` },
      retryAfterMs(retryAfter, nowMs),
    );
  return { kind: 'refused', status, error };
}

/** The bank's error body, or one made up from the status when the body is not in the bank's shape. */
export function errorBodyOf(status: number, text: string): BankErrorBody {
  const b = errorJson(text);
  if (b && typeof b === 'object' && typeof b['errorCode'] === 'string') {
    return {
      errorId: typeof b['errorId'] === 'string' ? b['errorId'] : '',
      errorCode: b['errorCode'],
      errorMessage: typeof b['errorMessage'] === 'string' ? b['errorMessage'] : '',
      errorDetails: b['errorDetails'] ?? null,
    };
  }
  return { errorId: '', errorCode: `HTTP_${status}`, errorMessage: text.slice(0, 200), errorDetails: null };
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in milliseconds from now. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * An error body's JSON: amounts in its details as kopecks when they read as rubles, and kept as their
 * text (JsonNumber) when not, since a diagnostic must not turn the bank's refusal into an unreadable answer.
 */
function errorJson(text: string): Record<string, unknown> | null {
  if (text === '') return null;
  const decoded = decodeBody(text);
  let value: unknown = decoded.ok ? decoded.value : undefined;
  if (!decoded.ok) {
    try {
      value = parseLosslessJson(text);
    } catch {
      return null;
    }
  }
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
}
