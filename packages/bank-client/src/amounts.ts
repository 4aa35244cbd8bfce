import { JsonNumber, parseLosslessJson, parseRubles, rublesJson } from '@strongbox/kernel';

/**
 * The bank writes amounts as decimal rubles in JSON numbers; the client's callers speak bigint kopecks.
 * Both ways go through the number's text (packages/kernel rubles.ts), never through a float: a request's
 * bigint leaves as JSON.rawJSON text, and a response is parsed with every number kept as its source text.
 */

/** The fields of the bank's answers that carry money. Every other number is a count or a position. */
// `sum` and `totalSum` are the self-employed API's names for the same decimal rubles.
export const AMOUNT_FIELDS: ReadonlySet<string> = new Set(['amount', 'amountOnHold', 'sum', 'totalSum']);

/** The house's bound on one amount (integer minor units, 1 ≤ amount ≤ 2^53−1). */
export const AMOUNT_KOPECKS_MAX = 2n ** 53n - 1n;

/** Refuses what the bank would refuse anyway, before a call is spent on it: a programming error. */
export function checkAmount(kopecks: bigint, name = 'amount'): bigint {
  if (typeof kopecks !== 'bigint') throw new TypeError(`${name} must be bigint kopecks`);
  if (kopecks < 1n || kopecks > AMOUNT_KOPECKS_MAX)
    throw new RangeError(`${name} must be from 1 to ${AMOUNT_KOPECKS_MAX} kopecks, got ${kopecks}`);
  return kopecks;
}

/** A request body as the bank's JSON: every bigint (kopecks) is written as decimal rubles. */
export function encodeBody(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? rublesJson(v) : v));
}

export type DecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

/** An answer's text as values: amounts as bigint kopecks, other numbers as plain numbers. */
export function decodeBody(text: string): DecodeResult {
  let raw: unknown;
  try {
    raw = parseLosslessJson(text);
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  try {
    return { ok: true, value: revive(raw, undefined) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

function revive(value: unknown, key: string | undefined): unknown {
  const amount = key !== undefined && AMOUNT_FIELDS.has(key);
  if (amount && !(value instanceof JsonNumber)) throw new Error(`${key} must be a JSON number of rubles`);
  if (value instanceof JsonNumber) return amount ? kopecksOf(key as string, value) : plain(key, value);
  if (Array.isArray(value)) return value.map((v) => revive(v, undefined));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, k)]));
  return value;
}

function kopecksOf(key: string, n: JsonNumber): bigint {
  const r = parseRubles(n.source);
  if (!r.ok) throw new Error(`${key} ${n.source} is not decimal rubles (${r.reason})`);
  return r.kopecks;
}

function plain(key: string | undefined, n: JsonNumber): number {
  const v = Number(n.source);
  // A count or a position; one beyond 2^53 would already have lost digits, so it is refused, not rounded.
  if (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER)
    throw new Error(`${key ?? 'a number'} ${n.source} is out of range`);
  return v;
}
