import type { Clock, IdempotentOutcome, IdempotentRequest, StoredResponse } from '@strongbox/kernel';
import { type Pool, StreamVersionConflict } from '@strongbox/postgres';
import { runIdempotent } from '@strongbox/postgres/idempotent-run';
import type { CommandInput, CommandOutcome } from '../ports.ts';
import { applyDealCommand, CONFLICT_RETRIES_MAX } from './deal-commands.ts';

/**
 * A deal command under an Idempotency-Key (ADR 0020): the events, the outbox, the read model and the
 * answer commit in one transaction, so a retry after a crash either replays the answer or runs afresh.
 * A race with another command on the same deal rolls everything back and decides again, as
 * executeDealCommand does.
 */
export async function executeKeyedCommand(
  deps: { readonly pool: Pool; readonly clock: Clock },
  req: IdempotentRequest,
  input: CommandInput,
  render: (outcome: CommandOutcome) => StoredResponse,
): Promise<IdempotentOutcome> {
  const conflict = (): IdempotentOutcome => ({
    kind: 'done',
    response: render({ ok: false, code: 'deal_version_conflict' }),
    replayed: false,
  });
  for (let attempt = 0; attempt <= CONFLICT_RETRIES_MAX; attempt++) {
    try {
      return await runIdempotent(deps.pool, deps.clock, req, async (tx) =>
        render(await applyDealCommand(tx, deps.clock, input)),
      );
    } catch (err) {
      if (!(err instanceof StreamVersionConflict)) throw err;
      if (input.expectedVersion !== undefined) return conflict();
    }
  }
  return conflict();
}
