import { type Clock, jsonResponse, requestHash } from '@strongbox/kernel';
import type { Pool, PoolClient } from '@strongbox/postgres';
import { runIdempotent } from '@strongbox/postgres/idempotent-run';
import { bankErrors } from '../domain/errors.ts';
import { toBankJson } from '../http/bank-json.ts';
import type { KeyedCall, KeyedOutcome } from '../ports.ts';

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
  ): Promise<KeyedOutcome> => {
    if (typeof call.key !== 'string' || !UUID_PATTERN.test(call.key))
      throw bankErrors.IDEMPOTENCY_KEY_REQUIRED('Send Idempotency-Key: <uuid> with every create');
    const outcome = await runIdempotent(
      pool,
      clock,
      {
        scope: SCOPE,
        key: call.key.toLowerCase(),
        requestHash: requestHash(call.method, call.path, hashable(call.body)),
      },
      async (tx) => {
        const answer = await work(tx);
        return jsonResponse(answer.status, toBankJson(answer.body));
      },
    );
    switch (outcome.kind) {
      case 'done':
        return {
          status: outcome.response.status,
          bodyJson: outcome.response.body,
          replayed: outcome.replayed,
        };
      case 'mismatch':
        throw bankErrors.IDEMPOTENCY_KEY_REUSED('This Idempotency-Key was used with another request');
      case 'running':
        throw bankErrors.IDEMPOTENCY_IN_PROGRESS('A request with this Idempotency-Key is still running');
      default: {
        const unreachable: never = outcome;
        throw new Error(`unknown idempotent outcome ${JSON.stringify(unreachable)}`);
      }
    }
  };
}
