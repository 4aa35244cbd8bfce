/**
 * Money on screen. Amounts arrive as integer minor units and are never put through float arithmetic:
 * the minor units are split into whole and fractional digits with BigInt and string operations, and the
 * exact decimal string is handed to Intl.NumberFormat, which formats strings without rounding them
 * through a double (Intl.NumberFormat v3). This works for amounts far beyond 2^53.
 */

export type Minor = bigint | number;

/** How many minor units make one unit of `currency` according to Intl (RUB, EUR: 2; JPY: 0). */
export function fractionDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/** Minor units as an exact decimal string: 12345n with 2 digits is "123.45", -5n is "-0.05". */
export function minorToDecimal(amountMinor: Minor, digits: number): string {
  const value = toBigInt(amountMinor);
  const negative = value < 0n;
  const abs = (negative ? -value : value).toString();
  if (digits === 0) return `${negative ? '-' : ''}${abs}`;
  const padded = abs.padStart(digits + 1, '0');
  const whole = padded.slice(0, -digits);
  const fraction = padded.slice(-digits);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** An amount in minor units formatted for `locale`, with the currency's symbol and digits. */
export function formatMoney(amountMinor: Minor, currency: string, locale: string): string {
  const digits = fractionDigits(currency);
  const nf = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // The string overload keeps every digit; the cast names the ES2023 `StringNumericLiteral` overload.
  return nf.format(minorToDecimal(amountMinor, digits) as `${number}`);
}

const AMOUNT_TEXT_LENGTH_MAX = 40;

/**
 * What a person typed ("1 234,5", "1234.50") as minor units, or null when it is not a positive amount
 * with at most the currency's number of fraction digits. Parsed as text, never through a float.
 */
export function parseAmount(text: string, digits: number): bigint | null {
  const compact = text.replace(/[\s\u00a0\u202f]/g, '');
  if (compact.length === 0 || compact.length > AMOUNT_TEXT_LENGTH_MAX) return null;
  const m = /^(\d+)(?:[.,](\d*))?$/.exec(compact);
  if (!m) return null;
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = BigInt(`${m[1]}${fraction.padEnd(digits, '0')}`);
  return minor > 0n ? minor : null;
}

function toBigInt(amountMinor: Minor): bigint {
  if (typeof amountMinor === 'bigint') return amountMinor;
  // JSON numbers from the API are integers within 2^53 - 1 (the API's limit); anything else is a bug.
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`not an integer amount: ${amountMinor}`);
  return BigInt(amountMinor);
}
