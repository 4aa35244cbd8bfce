/**
 * Typed configuration, read once from an environment object and validated as a whole. A wrong or missing
 * value becomes a `ConfigError` whose message is one line naming the variable and what it expects, which
 * `main.ts` prints before exiting. The reader is pure (it takes the env as an argument) so it is testable.
 *
 * @example
 * const config = readConfig(process.env, { PORT: port(3001), DATABASE_URL: url({ protocols: ['postgres:'] }) });
 */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, expected: string, got: string | undefined) {
    // A value with line breaks or control characters is JSON-quoted so the message stays on one line.
    const shown = got !== undefined && /^[\x20-\x7e]*$/.test(got) ? got : JSON.stringify(got);
    const what = got === undefined ? 'is missing' : `is invalid (${shown})`;
    super(`config: ${variable} ${what}; expected ${expected}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export interface Field<T> {
  readonly expected: string;
  /** Value used when the variable is absent; `undefined` means the variable is required. */
  readonly fallback: (() => T) | undefined;
  readonly parse: (raw: string) => T | undefined;
  /** Secrets are never echoed back in error messages. */
  readonly secret?: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;
type Parsed<S> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export function readConfig<S extends Record<string, Field<unknown>>>(env: Env, schema: S): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (field.fallback === undefined) throw new ConfigError(name, field.expected, undefined);
      out[name] = field.fallback();
      continue;
    }
    const value = field.parse(raw);
    if (value === undefined) throw new ConfigError(name, field.expected, field.secret ? '<redacted>' : raw);
    out[name] = value;
  }
  return out as Parsed<S>;
}

function field<T>(expected: string, parse: (raw: string) => T | undefined, fallback?: T): Field<T> {
  return { expected, parse, fallback: fallback === undefined ? undefined : () => fallback };
}

export function str(opts: { fallback?: string; pattern?: RegExp; secret?: boolean } = {}): Field<string> {
  const f = field(
    opts.pattern ? `a string matching ${opts.pattern}` : 'a non-empty string',
    (raw) => (opts.pattern && !opts.pattern.test(raw) ? undefined : raw),
    opts.fallback,
  );
  return { ...f, secret: opts.secret ?? false };
}

export function optionalStr(): Field<string | undefined> {
  return { expected: 'a string', parse: (raw) => raw, fallback: () => undefined };
}

export function int(opts: { fallback?: number; min?: number; max?: number } = {}): Field<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return field(
    `an integer from ${min} to ${max}`,
    (raw) => {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    },
    opts.fallback,
  );
}

export function port(fallback?: number): Field<number> {
  const f = int({ min: 0, max: 65_535, ...(fallback === undefined ? {} : { fallback }) });
  return { ...f, expected: 'a TCP port from 0 to 65535' };
}

export function bool(fallback?: boolean): Field<boolean> {
  return field(
    'true or false',
    (raw) => {
      const v = raw.toLowerCase();
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      return undefined;
    },
    fallback,
  );
}

/**
 * Secrets during a rotation: one, or two comma-separated (the new and the old), each at least
 * `charsMin` characters. Every holder accepts any of them; which one signs is the caller's choice.
 *
 * @example
 * readConfig(env, { BANK_NOTIFICATION_SECRET: rotatingSecrets({ charsMin: 8 }) }).BANK_NOTIFICATION_SECRET // ['new', 'old']
 */
export function rotatingSecrets(opts: { charsMin: number; fallback?: readonly string[] }): Field<string[]> {
  return {
    expected: `one secret of at least ${opts.charsMin} characters, or two comma-separated during a rotation`,
    secret: true,
    fallback: opts.fallback === undefined ? undefined : () => [...(opts.fallback ?? [])],
    parse: (raw) => {
      const list = raw.split(',').map((s) => s.trim());
      return list.length <= 2 && list.every((s) => s.length >= opts.charsMin) ? list : undefined;
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[], fallback?: T): Field<T> {
  return field(
    `one of ${values.join(', ')}`,
    (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : undefined),
    fallback,
  );
}

export function url(opts: { protocols?: readonly string[]; fallback?: string } = {}): Field<string> {
  const protocols = opts.protocols ?? ['http:', 'https:'];
  return {
    expected: `a URL (${protocols.join(' or ')})`,
    // URLs may carry passwords, so a bad one is never echoed back.
    secret: true,
    fallback: opts.fallback === undefined ? undefined : () => opts.fallback as string,
    parse: (raw) => {
      try {
        const u = new URL(raw);
        return protocols.includes(u.protocol) ? raw : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export function optionalUrl(protocols: readonly string[]): Field<string | undefined> {
  const base = url({ protocols });
  return { ...base, fallback: () => undefined };
}
