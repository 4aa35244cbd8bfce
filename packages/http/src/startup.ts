import { ConfigError, SecretDecryptError } from '@strongbox/kernel';

/**
 * What every main.ts does when it cannot start: one line naming the service and the reason on stderr,
 * exit code 1, no stack trace for an operator to read through.
 *
 * @example
 * const config = configOrExit('balance', () => balanceConfig(process.env));
 */
export function configOrExit<T>(service: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return exitWith(service, err);
  }
}

/** Awaits a start-up step (migrations, say); its failure ends the process the same way. */
export async function orExit<T>(service: string, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    return exitWith(service, err as Error);
  }
}

/**
 * Awaits the service's build; what an operator must fix (a setting, a SECRETS_KEY that cannot open what is
 * stored) ends the process with one line, and anything else, a bug, keeps its stack trace.
 */
export async function buildOrExit<T>(service: string, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    if (err instanceof SecretDecryptError)
      return exitWith(service, new Error(`cannot start: ${err.message}; check SECRETS_KEY (ADR 0027)`));
    if (err instanceof ConfigError) return exitWith(service, err);
    throw err;
  }
}

function exitWith(service: string, err: Error): never {
  console.error(`${service}: ${err.message}`);
  process.exit(1);
}
