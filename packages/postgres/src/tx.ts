import { backoffMs } from '@strongbox/kernel';
import type pg from 'pg';

/** SQLSTATEs that mean "the same transaction may succeed if simply run again". */
const RETRYABLE = new Set(['40001', '40P01']);
export const TX_RETRIES_MAX = 5;
const TX_BACKOFF = { baseMs: 5, capMs: 200 } as const;

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

export interface TxOptions {
  readonly isolation?: Isolation;
  readonly retriesMax?: number;
  readonly random?: () => number;
}

export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has((err as { code?: string }).code ?? '');
}

/** COMMIT answered ROLLBACK: a statement of the transaction failed and its error was swallowed. */
export class TransactionAborted extends Error {
  constructor() {
    super('the transaction was rolled back at COMMIT: one of its statements had failed');
    this.name = 'TransactionAborted';
  }
}

/** SQLSTATE classes and codes that mean the server went away or would not take the connection. */
const CONNECTION_FAILURE = /^(08|57P0[1-3])/;
const SOCKET_FAILURE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Whether an error says the database could not be reached rather than that a statement failed: running
 * the work again at once (or in smaller pieces) would only fail the same way.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (CONNECTION_FAILURE.test(code) || SOCKET_FAILURE.has(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    String((err as { message?: unknown }).message ?? ''),
  );
}

/**
 * Runs `fn` inside one transaction on one pooled client. Serialization failures and deadlocks (40001,
 * 40P01) are retried with jittered backoff at most `retriesMax` times; any other error rolls back and is
 * rethrown. `fn` must therefore be safe to run again: it should do nothing but database work.
 *
 * @example
 * const user = await withTransaction(pool, (tx) => insertUser(tx, input), { isolation: 'serializable' });
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (tx: pg.PoolClient) => Promise<T>,
  opts: TxOptions = {},
): Promise<T> {
  const retriesMax = opts.retriesMax ?? TX_RETRIES_MAX;
  const random = opts.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    // While checked out, a client has no pool error listener: if the server drops the connection, the
    // 'error' event would be uncaught and crash the process. It marks the client broken instead.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query(`begin isolation level ${opts.isolation ?? 'read committed'}`);
      const result = await fn(client);
      // COMMIT of a transaction that an error already aborted (say, a caller caught a failed statement and
      // carried on) is answered with ROLLBACK and no error: nothing was written, so it must not pass as done.
      const ended = await client.query('commit');
      if (ended.command === 'ROLLBACK') throw new TransactionAborted();
      return result;
    } catch (err) {
      try {
        await client.query('rollback');
      } catch {
        // A failed rollback means the connection itself is unusable; it must not go back to the pool.
        broken = true;
      }
      if (!isRetryable(err) || attempt >= retriesMax) throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
    await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, TX_BACKOFF, random)));
  }
}
