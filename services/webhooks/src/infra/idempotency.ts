import type { Clock } from '@strongbox/kernel';
import { type Pool, type PoolClient, withTransaction } from '@strongbox/postgres';
import {
  findIdempotent,
  type IdempotentRequest as KeyedRequest,
  recordIdempotent,
  refId,
  requestHash,
} from '@strongbox/postgres/idempotency';
import { webhookErrors } from '../domain/errors.ts';
import type { IdempotentOutcome, IdempotentRequest, StoredResponse } from '../ports.ts';

/** A twin that recorded the same key first makes us roll back and look again; this bounds the rounds. */
const TWIN_ROUNDS_MAX = 3;

class TwinWon extends Error {}

/**
 * Idempotency-Key (brief §4) on the shared store of packages/postgres, in its in-transaction mode: the
 * answer is recorded in the same transaction as the work's effects, so a crash never leaves one without
 * the other, and no key is ever seen 'running'. Two concurrent twins may both start the work; the one
 * that records second blocks on the key until the first commits, finds it taken, rolls its effects back
 * and replays the first answer. A failed request (an error answer) records nothing: it changed nothing,
 * so retrying it with the same key runs it again.
 */
export async function runIdempotent(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  work: (tx: PoolClient) => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  const ref: KeyedRequest = {
    scope: req.scope,
    key: req.key,
    requestHash: requestHash(req.method, req.path, req.body),
  };
  for (let round = 1; ; round++) {
    try {
      return await withTransaction(pool, async (tx) => {
        const now = clock.now();
        const state = (await findIdempotent(tx, [ref], now)).get(refId(ref)) ?? { kind: 'absent' };
        switch (state.kind) {
          case 'replay':
            return { status: state.response.status, bodyJson: state.response.body, replayed: true };
          case 'mismatch':
            throw webhookErrors.idempotency_key_reused(
              'This Idempotency-Key was used with a different request',
            );
          case 'running':
            throw webhookErrors.idempotency_in_progress(
              'A request with this Idempotency-Key is still running',
            );
          case 'absent':
            break;
          default: {
            const unreachable: never = state;
            return unreachable;
          }
        }
        const response = await work(tx);
        const bodyJson = JSON.stringify(response.body ?? null);
        const lost = await recordIdempotent(
          tx,
          [{ ...ref, response: { status: response.status, body: bodyJson } }],
          {
            at: now,
          },
        );
        if (lost.length > 0) throw new TwinWon();
        return { status: response.status, bodyJson, replayed: false };
      });
    } catch (err) {
      if (!(err instanceof TwinWon)) throw err;
      if (round >= TWIN_ROUNDS_MAX)
        throw webhookErrors.idempotency_in_progress('A request with this Idempotency-Key is still running');
    }
  }
}
