import { Ajv, type FormatDefinition } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

type ValidatorCompiler = Parameters<FastifyInstance['setValidatorCompiler']>[0];
// ajv-formats is CommonJS: under Node's ESM interop its plugin function is the `default` property.
const addFormats = addFormatsModule.default;

/** The largest time-zone offset PostgreSQL accepts in a timestamp (it refuses "+16:00" and beyond). */
export const UTC_OFFSET_HOURS_MAX = 15;

const rfc3339 = addFormats.get('date-time') as FormatDefinition<string> & {
  validate: (s: string) => boolean;
};
const OFFSET = /([+-])(\d\d):?(\d\d)$/;

/**
 * An RFC 3339 instant that both JavaScript and PostgreSQL read the same way. RFC 3339 also allows what
 * one of them refuses: a leap second (`23:59:60`, which `Date` cannot parse), the year 0000 (PostgreSQL
 * has no year zero) and offsets past ±15:59. Those are refused as bad input rather than failing later.
 */
export function isStorableInstant(text: string): boolean {
  if (!rfc3339.validate(text) || text.startsWith('0000')) return false;
  if (!Number.isFinite(Date.parse(text))) return false;
  const offset = OFFSET.exec(text);
  return offset === null || Number(offset[2]) <= UTC_OFFSET_HOURS_MAX;
}

/**
 * Fastify's default Ajv coerces types and silently drops unknown fields. Bodies are compiled strictly
 * instead: unknown fields are rejected (schemas say additionalProperties: false) and "12" is not 12.
 * Query strings and path params arrive as text, so only they are coerced (`?limit=10` is a number).
 * `format: 'date-time'` means an instant PostgreSQL can store (isStorableInstant), in every schema.
 */
export function strictValidator(): ValidatorCompiler {
  const base = { removeAdditional: false, allErrors: true, useDefaults: true, strict: false } as const;
  const strict = new Ajv({ ...base, coerceTypes: false });
  const lenient = new Ajv({ ...base, coerceTypes: 'array' });
  for (const ajv of [strict, lenient]) {
    addFormats(ajv);
    ajv.addFormat('date-time', { ...rfc3339, validate: isStorableInstant });
  }
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema as object);
}
