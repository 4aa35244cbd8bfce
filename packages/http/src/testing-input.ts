import fc from 'fast-check';

/**
 * Arbitraries of hostile input for tests at the edge: text and numbers that PostgreSQL refuses (NUL, lone
 * UTF-16 surrogates, integers past bigint) mixed with any other text. For tests only.
 */
const REFUSED_BY_POSTGRES = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff', 'x\ud83d'] as const;

/** Any text, often with a NUL or a lone surrogate somewhere in it. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.string({ unit: 'grapheme' }), fc.constantFrom(...REFUSED_BY_POSTGRES), fc.string())
    .map(([before, bad, after]) => before + bad + after),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
);

/** Any JSON-able value a field could be sent: hostile strings first, then numbers PostgreSQL cannot hold. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  fc.constantFrom(2 ** 63, -(2 ** 63) - 4096, 2 ** 64, 1e300, Number.MAX_SAFE_INTEGER + 2, 0, -1, 1.5),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * A valid body with one field (or a new field) replaced by a hostile value, e.g. for a route's template
 * `{ currency: 'EUR', name: 'Main' }`.
 */
export function spoiledBody(template: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const fields = [...Object.keys(template), 'unknownField'];
  return fc
    .record({ field: fc.constantFrom(...fields), value: hostileValue })
    .map(({ field, value }) => ({ ...template, [field]: value }));
}

/**
 * Text for a URL (a query value or a path segment): hostile strings percent-encoded, and arbitrary bytes
 * percent-encoded (which may not be UTF-8 at all).
 */
export const hostileUrlText: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => encodeURIComponent(s.toWellFormed()).replaceAll('%EF%BF%BD', '%00')),
  fc
    .uint8Array({ minLength: 1, maxLength: 40 })
    .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
);
