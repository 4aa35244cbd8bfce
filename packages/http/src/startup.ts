import { ConfigError } from '@strongbox/kernel';

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

function exitWith(service: string, err: Error): never {
  console.error(`${service}: ${err.message}`);
  process.exit(1);
}
