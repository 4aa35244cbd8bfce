import { JsonNumber, parseLosslessJson, parseRubles } from '@strongbox/kernel';
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { bankErrors } from '../domain/errors.ts';

/**
 * The bank API's bodies carry amounts as decimal rubles in JSON numbers. Inside this scope a body is
 * parsed with every number kept as its text (JsonNumber), and a schema marks an amount with the keyword
 * `x-rubles`, which checks the text and replaces it in place with bigint kopecks. So no amount ever
 * passes through a float, and handlers only ever see kopecks.
 */
export const RUBLES_KEYWORD = 'x-rubles';

/** An amount field: decimal rubles, at most 2 decimals, no exponent, at least `minKopecks`. */
export function rublesField(description: string, minKopecks = 1) {
  return {
    [RUBLES_KEYWORD]: { minKopecks },
    description: `${description} (decimal rubles in a JSON number, e.g. 1234.56)`,
    examples: [1234.56],
  };
}

interface KeywordContext {
  parentData?: Record<string | number, unknown>;
  parentDataProperty?: string | number;
}

type KeywordValidate = ((
  schema: { minKopecks: number },
  data: unknown,
  parent: unknown,
  cxt?: KeywordContext,
) => boolean) & {
  errors?: Array<{ keyword: string; message: string; params: Record<string, unknown> }>;
};

const REASONS: Record<string, string> = {
  not_a_number: 'must be a JSON number of rubles',
  negative: 'must not be negative',
  exponent: 'must be written without an exponent',
  too_many_decimals: 'must have at most 2 decimals (kopecks)',
  too_large: 'is too large',
};

function rublesValidator(): KeywordValidate {
  const validate: KeywordValidate = (schema, data, _parent, cxt) => {
    const fail = (message: string) => {
      validate.errors = [{ keyword: RUBLES_KEYWORD, message, params: {} }];
      return false;
    };
    // Already converted: Ajv may run a schema twice over one object (anyOf branches).
    if (typeof data === 'bigint')
      return data >= BigInt(schema.minKopecks) || fail(`must be at least ${schema.minKopecks} kopecks`);
    if (!(data instanceof JsonNumber)) return fail(REASONS['not_a_number'] as string);
    const r = parseRubles(data.source);
    if (!r.ok) return fail(REASONS[r.reason] as string);
    if (r.kopecks < BigInt(schema.minKopecks)) return fail(`must be at least ${schema.minKopecks} kopecks`);
    if (cxt?.parentData && cxt.parentDataProperty !== undefined)
      cxt.parentData[cxt.parentDataProperty] = r.kopecks;
    return true;
  };
  return validate;
}

export const NUMBER_KEYWORD = 'x-number';

/** A plain number field (a count, a share, milliseconds) in a lossless body: read from its text. */
export function numberField(description: string, min: number, max: number, integer = true) {
  return { [NUMBER_KEYWORD]: { min, max, integer }, description, examples: [min] };
}

function numberValidator(): KeywordValidate {
  const validate = ((
    schema: { min: number; max: number; integer: boolean },
    data: unknown,
    _p: unknown,
    cxt?: KeywordContext,
  ) => {
    const n = data instanceof JsonNumber ? Number(data.source) : typeof data === 'number' ? data : Number.NaN;
    const ok =
      Number.isFinite(n) && n >= schema.min && n <= schema.max && (!schema.integer || Number.isInteger(n));
    if (!ok) {
      validate.errors = [
        {
          keyword: NUMBER_KEYWORD,
          message: `must be a${schema.integer ? 'n integer' : ' number'} from ${schema.min} to ${schema.max}`,
          params: {},
        },
      ];
      return false;
    }
    if (cxt?.parentData && cxt.parentDataProperty !== undefined) cxt.parentData[cxt.parentDataProperty] = n;
    return true;
  }) as unknown as KeywordValidate;
  return validate;
}

/** Installs the lossless parser and the strict validator with `x-rubles` in one (encapsulated) scope. */
export function useLosslessBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, parseLosslessJson(body as string));
    } catch {
      done(bankErrors.VALIDATION_ERROR('The body is not valid JSON'), undefined);
    }
  });
  const base = { removeAdditional: false, allErrors: true, useDefaults: true, strict: false } as const;
  const strict = new Ajv({ ...base, coerceTypes: false });
  const lenient = new Ajv({ ...base, coerceTypes: 'array' });
  for (const ajv of [strict, lenient]) {
    ajv.addKeyword({
      keyword: RUBLES_KEYWORD,
      modifying: true,
      errors: true,
      validate: rublesValidator() as never,
    });
    ajv.addKeyword({
      keyword: NUMBER_KEYWORD,
      modifying: true,
      errors: true,
      validate: numberValidator() as never,
    });
  }
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : lenient).compile(schema as object),
  );
}
