import type { Clock } from '@strongbox/kernel';
import type { Pool, PoolClient } from '@strongbox/postgres';
import { type IdempotentOutcome, runIdempotent } from '@strongbox/postgres/idempotent-run';
import { bankErrors } from '../domain/errors.ts';
import { toBankJson } from '../http/bank-json.ts';
import type { KeyedCall } from '../ports.ts';

/** The bank takes a UUID as Idempotency-Key. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Every caller of the sandbox holds the one BANK_API_TOKEN, so keys share one scope. */
const SCOPE = 'bank';

/** Bigints (kopecks) as tagged text, so the request hash sees 1.10 and 1.1 as the same amount. */
const hashable = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v ?? null, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));

/**
 * A create under Idempotency-Key on the shared store (packages/postgres): the same key with the same body
 * replays the first answer; with another body it answers 422 IDEMPOTENCY_KEY_REUSED.
 */
export function bankIdempotency(pool: Pool, clock: Clock) {
  return async (
    call: KeyedCall,
    work: (tx: PoolClient) => Promise<{ status: number; body: unknown }>,
  ): Promise<IdempotentOutcome> => {
    if (typeof call.key !== 'string' || !UUID_PATTERN.test(call.key))
      throw bankErrors.IDEMPOTENCY_KEY_REQUIRED('Send Idempotency-Key: <uuid> with every create');
    return runIdempotent(
      pool,
      clock,
      {
        scope: SCOPE,
        key: call.key.toLowerCase(),
        method: call.method,
        path: call.path,
        body: hashable(call.body),
      },
      async (tx) => {
        const answer = await work(tx);
        return { status: answer.status, body: toBankJson(answer.body) };
      },
      {
        reused: (d) => bankErrors.IDEMPOTENCY_KEY_REUSED(d),
        inProgress: (d) => bankErrors.IDEMPOTENCY_IN_PROGRESS(d),
      },
    );
  };
}
