import type { FieldError } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { httpErrors } from './problem.ts';

/** At most this many field errors are reported for one request; the first ones are enough to fix it. */
export const UNSTORABLE_ERRORS_MAX = 20;

const NUL = '\u0000';

/**
 * Why PostgreSQL would refuse this text, or undefined if it stores it. Its text and jsonb types take no NUL
 * character, and a lone UTF-16 surrogate (JSON's "\ud800") has no UTF-8 form, so the server refuses it.
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes(NUL)) return 'must not contain the NUL character (U+0000)';
  if (!text.isWellFormed()) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/**
 * Why this number cannot be taken as given, or undefined. JSON numbers are read as doubles: past 2^53 an
 * integer has already lost digits (and past 2^63 it does not fit BIGINT), and 1e400 reads as Infinity.
 */
export function unstorableNumber(n: number): string | undefined {
  if (!Number.isFinite(n)) return 'must be a finite number';
  if (Number.isInteger(n) && !Number.isSafeInteger(n))
    return 'must be an integer between -(2^53 - 1) and 2^53 - 1';
  return undefined;
}

/** A JSON Pointer token (RFC 6901), as Ajv writes the field paths of schema errors. */
const pointerToken = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  // Parsed JSON, params and query strings (fast-querystring's objects inherit from a null-prototype
  // object); a Buffer (the gateway's raw body) or any other class instance is not walked.
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Every string (values and property names) and number in `value` that PostgreSQL would refuse, named as
 * schema errors are (`body/items/0/name`). Walks with an explicit stack: a deeply nested body must not
 * overflow the call stack.
 *
 * @example
 * unstorableFields({ name: 'a\u0000b' }, 'body') // [{ field: 'body/name', message: 'must not contain…' }]
 */
export function unstorableFields(value: unknown, part: string): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (stack.length > 0 && errors.length < UNSTORABLE_ERRORS_MAX) {
    const { value: v, path } = stack.pop() as { value: unknown; path: string };
    const problem =
      typeof v === 'string' ? unstorableText(v) : typeof v === 'number' ? unstorableNumber(v) : undefined;
    if (problem) errors.push({ field: `${part}${path}`, message: problem });
    else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}/${i}` });
    } else if (isRecord(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const keyProblem = unstorableText(key);
        if (keyProblem) errors.push({ field: `${part}${path}`, message: `property names ${keyProblem}` });
        else stack.push({ value: child, path: `${path}/${pointerToken(key)}` });
      }
    }
  }
  return errors.slice(0, UNSTORABLE_ERRORS_MAX);
}

const PARTS = [
  ['params', (r: { params: unknown }) => r.params],
  ['querystring', (r: { query: unknown }) => r.query],
  ['body', (r: { body: unknown }) => r.body],
] as const;

/**
 * Refuses, as a 400 validation_failed, any request whose params, query or body hold a string or number
 * that PostgreSQL would refuse, on every route and before any handler runs, so no route can turn such
 * input into a 500. It runs after schema validation (preHandler), so it sees query numbers as coerced.
 */
export function guardInput(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const errors = PARTS.flatMap(([part, of]) => unstorableFields(of(request), part));
    if (errors.length > 0) {
      throw httpErrors.validation_failed('The request has invalid fields', {
        errors: errors.slice(0, UNSTORABLE_ERRORS_MAX),
      });
    }
    done();
  });
}
