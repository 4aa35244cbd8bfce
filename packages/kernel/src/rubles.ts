/**
 * The bank sends and takes amounts as decimal rubles in JSON numbers (`1234.56`). Strongbox keeps money
 * as bigint kopecks, so the conversion reads and writes the number's text and never passes through a
 * float: `0.29` is 29 kopecks, not 28.999999999999996, and `9007199254740.99` keeps its last digit.
 *
 * Parsing uses the JSON.parse source-text access of the platform (TC39 "JSON.parse source text access",
 * in V8 since Node 21) and writing uses JSON.rawJSON, so no third-party lossless parser is needed.
 *
 * @example
 * parseRubles('1234.56')            // { ok: true, kopecks: 123456n }
 * formatRubles(29n)                 // '0.29'
 * parseLosslessJson('{"amount":0.1}') // { amount: JsonNumber { source: '0.1' } }
 * stringifyLossless({ amount: rublesJson(10n) }) // '{"amount":0.1}'
 */

/** Up to this many digits before the point: 10^15 rubles is far beyond any one payment. */
export const RUBLES_INTEGER_DIGITS_MAX = 15;

export type RublesRejection = 'not_a_number' | 'negative' | 'exponent' | 'too_many_decimals' | 'too_large';

export type RublesParse =
  | { readonly ok: true; readonly kopecks: bigint }
  | { readonly ok: false; readonly reason: RublesRejection };

/** A JSON number as written: `{"n": 1.50}` keeps `1.50`, which a float would have turned into 1.5. */
export class JsonNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Reads the text of a JSON number as kopecks; refuses negatives, exponents and more than 2 decimals. */
export function parseRubles(text: string): RublesParse {
  const m = JSON_NUMBER.exec(text);
  if (!m) return { ok: false, reason: 'not_a_number' };
  if (m[3] !== undefined) return { ok: false, reason: 'exponent' };
  if (text.startsWith('-')) return { ok: false, reason: 'negative' };
  const whole = m[1] as string;
  const fraction = (m[2] ?? '.').slice(1);
  if (fraction.length > 2) return { ok: false, reason: 'too_many_decimals' };
  if (whole.length > RUBLES_INTEGER_DIGITS_MAX) return { ok: false, reason: 'too_large' };
  return { ok: true, kopecks: BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0')) };
}

/** Kopecks as the shortest decimal text of rubles: 123456n → '1234.56', 10n → '0.1', 500n → '5'. */
export function formatRubles(kopecks: bigint): string {
  const negative = kopecks < 0n;
  const abs = negative ? -kopecks : kopecks;
  const whole = abs / 100n;
  const cents = abs % 100n;
  const fraction = cents === 0n ? '' : `.${cents.toString().padStart(2, '0').replace(/0$/, '')}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** A value that JSON.stringify writes as the raw number text of these kopecks in rubles. */
export function rublesJson(kopecks: bigint): unknown {
  return (JSON as unknown as RawJson).rawJSON(formatRubles(kopecks));
}

interface RawJson {
  rawJSON(text: string): unknown;
}

type SourceReviver = (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown;

/** JSON.parse with every number kept as its text (a JsonNumber), so no digit is lost on the way in. */
export function parseLosslessJson(text: string): unknown {
  const reviver: SourceReviver = (_key, value, context) =>
    typeof value === 'number' && context.source !== undefined ? new JsonNumber(context.source) : value;
  return JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]);
}

/** JSON.stringify that writes JsonNumbers back as their own text and bigints as plain integers. */
export function stringifyLossless(value: unknown): string {
  const raw = JSON as unknown as RawJson;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof JsonNumber) return raw.rawJSON(v.source);
    if (typeof v === 'bigint') return raw.rawJSON(v.toString());
    return v;
  });
}
