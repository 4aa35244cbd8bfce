import pino, { type ChildLoggerOptions, type Logger } from 'pino';

/**
 * Paths that may carry credentials. pino replaces them before a line is written, wherever they appear in
 * a logged object, so a careless `log.info({ body })` still leaks nothing.
 */
const SECRET_KEYS = [
  'password',
  'newPassword',
  'refreshToken',
  'accessToken',
  'clientSecret',
  'token',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
];
/** Each secret key at the top level and up to three levels down (e.g. `req.body.password`). */
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);
/** Names pino never writes as bindings, and the secret names it would redact: those take pino's own way. */
const NOT_PLAIN_BINDINGS = new Set([...SECRET_KEYS, 'level', 'serializers', 'formatters', 'customLevels']);
/** Where a pino logger keeps its bindings, already written as the JSON that follows each line's start. */
const CHINDINGS = pino.symbols.chindingsSym;

export type { Logger };

/**
 * @example
 * const log = createLogger({ service: 'identity', level: 'info' });
 */
export function createLogger(opts: {
  service: string;
  level: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.service },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

/**
 * A child of `parent` bound to `bindings`, as `parent.child(bindings, options)` would write them, made for
 * every request (Fastify's reqId and the traceId). pino passes each binding of a child through the
 * redaction of the wildcard paths (`*.token`, `*.*.password`, …), which cannot match a string yet walks
 * all 33 of them for every binding: 4–7 % of the CPU of a request the gateway proxies, and as much in every
 * service. Plain string values under names that are neither secret nor reserved are appended to the
 * child's bindings (pino.symbols, kept for integrations like this one) exactly as pino writes them; any
 * other binding takes pino's own way, redaction included.
 *
 * @example
 * const log = requestLogger(logger, { reqId: 'req-1', traceId }); // log.info('…') carries both
 */
export function requestLogger(
  parent: Logger,
  bindings: Readonly<Record<string, unknown>>,
  options?: ChildLoggerOptions,
): Logger {
  const given = options !== undefined && Object.keys(options).length > 0 ? options : undefined;
  if (!(CHINDINGS in parent)) return parent.child(bindings, given);
  let written = '';
  for (const [key, value] of Object.entries(bindings)) {
    if (typeof value !== 'string' || NOT_PLAIN_BINDINGS.has(key)) return parent.child(bindings, given);
    written += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  const child = parent.child({}, given);
  (child as unknown as Record<symbol, string>)[CHINDINGS] += written;
  return child;
}
