import type { Clock } from '@strongbox/kernel';
import type { Pool, PoolClient } from '@strongbox/postgres';
import {
  type IdempotencyRefusals,
  rememberAnswer as remember,
  runIdempotent as run,
} from '@strongbox/postgres/idempotent-run';
import { orderErrors } from '../domain/errors.ts';
import type { IdempotentOutcome, IdempotentRequest, StoredResponse } from '../ports.ts';

const refusals: IdempotencyRefusals = {
  reused: (detail) => orderErrors.idempotency_key_reused(detail),
  inProgress: (detail) => orderErrors.idempotency_in_progress(detail),
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

/** For cancel, which calls balance before it can answer: the answer is recorded afterwards, first wins. */
export function rememberAnswer(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  answer: () => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  return remember(pool, clock, req, answer, refusals);
}
