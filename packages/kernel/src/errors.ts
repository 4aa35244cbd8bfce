/**
 * Expected failures travel as `AppError` values carrying a stable snake_case `code`. Each package keeps one
 * catalogue (`defineErrors`) so that codes and HTTP statuses are declared in one place, and the HTTP edge
 * maps them to RFC 9457 problem documents without knowing any package's internals.
 *
 * @example
 * const errors = defineErrors({ email_taken: { status: 409, title: 'Email already registered' } });
 * throw errors.email_taken('alice@example.com is already registered');
 */
export interface FieldError {
  /** JSON pointer-like path of the offending field, e.g. `/email`. */
  readonly field: string;
  readonly message: string;
}

export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly errors: readonly FieldError[] | undefined;
  /** Extra response headers the edge should send with the problem (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    code: string,
    spec: ErrorSpec,
    detail: string,
    extra?: { errors?: readonly FieldError[]; headers?: Record<string, string> },
  ) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.status = spec.status;
    this.title = spec.title;
    this.errors = extra?.errors;
    this.headers = extra?.headers;
  }
}

export type ErrorFactory = (
  detail?: string,
  extra?: { errors?: readonly FieldError[]; headers?: Record<string, string> },
) => AppError;

export function defineErrors<const T extends Record<string, ErrorSpec>>(
  catalogue: T,
): { readonly [K in keyof T]: ErrorFactory } {
  const out: Record<string, ErrorFactory> = {};
  for (const [code, spec] of Object.entries(catalogue)) {
    out[code] = (detail, extra) => new AppError(code, spec, detail ?? spec.title, extra);
  }
  return out as { readonly [K in keyof T]: ErrorFactory };
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
