import pino, { type Logger } from 'pino';

/**
 * Paths that may carry credentials. pino replaces them before a line is written, wherever they appear in
 * a logged object, so a careless `log.info({ body })` still leaks nothing.
 */
export const REDACT_PATHS = [
  'password',
  'newPassword',
  'refreshToken',
  'accessToken',
  'clientSecret',
  'token',
  'secret',
  'authorization',
  '*.password',
  '*.newPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.clientSecret',
  '*.token',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'body.password',
  'body.refreshToken',
  'body.clientSecret',
];

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
