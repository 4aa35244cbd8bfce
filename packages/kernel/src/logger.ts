/**
 * What code needs of a logger, so that packages and use cases can log without depending on pino or on
 * @strongbox/http. pino's logger (createLogger in @strongbox/http) satisfies it as it is.
 *
 * @example
 * function worker(deps: { logger: Logger }) {
 *   deps.logger.child({ component: 'worker' }).info({ n: 3 }, 'claimed');
 * }
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: string): boolean;
}

/** A line with an optional object of fields first, as pino takes it. */
export interface LogFn {
  (fields: object, msg?: string): void;
  (msg: string): void;
}
