import pino, { type Logger } from 'pino';

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
