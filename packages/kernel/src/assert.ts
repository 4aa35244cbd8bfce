/**
 * Broken invariants are programmer errors, not expected failures: they stop the current operation loudly
 * instead of being mapped to a 4xx.
 *
 * @example
 * assert(debits === credits, 'ledger out of balance');
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
