import type { Clock } from '@strongbox/kernel';
import type { Pool, PoolClient } from '@strongbox/postgres';
import { type IdempotencyRefusals, runIdempotent as run } from '@strongbox/postgres/idempotent-run';
import { webhookErrors } from '../domain/errors.ts';
import type { IdempotentOutcome, IdempotentRequest, StoredResponse } from '../ports.ts';

const refusals: IdempotencyRefusals = {
  reused: (detail) => webhookErrors.idempotency_key_reused(detail),
  inProgress: (detail) => webhookErrors.idempotency_in_progress(detail),
};

/** Idempotency-Key with the answer recorded in the work's own transaction (packages/postgres). */
export function runIdempotent(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  work: (tx: PoolClient) => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  return run(pool, clock, req, work, refusals);
}
