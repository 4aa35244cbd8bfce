import type { Clock } from '@strongbox/kernel';
import { type Pool, type PoolClient, withTransaction } from '@strongbox/postgres';
import {
  findIdempotent,
  type IdempotentRequest as KeyedRequest,
  recordIdempotent,
  refId,
  requestHash,
} from '@strongbox/postgres/idempotency';
import { orderErrors } from '../domain/errors.ts';
import type { IdempotentOutcome, IdempotentRequest, StoredResponse } from '../ports.ts';

/** A twin that recorded the same key first makes us roll back and look again; this bounds the rounds. */
const TWIN_ROUNDS_MAX = 3;

class TwinWon extends Error {}

const keyed = (req: IdempotentRequest): KeyedRequest => ({
  scope: req.scope,
  key: req.key,
  requestHash: requestHash(req.method, req.path, req.body),
});

/** The stored answer for the key, if any; a different request under the key is refused. */
async function replayOf(
  tx: PoolClient,
  ref: KeyedRequest,
  now: Date,
): Promise<IdempotentOutcome | undefined> {
  const state = (await findIdempotent(tx, [ref], now)).get(refId(ref)) ?? { kind: 'absent' };
  switch (state.kind) {
    case 'replay':
      return { status: state.response.status, bodyJson: state.response.body, replayed: true };
    case 'mismatch':
      throw orderErrors.idempotency_key_reused('This Idempotency-Key was used with a different request');
    case 'running':
      throw orderErrors.idempotency_in_progress('A request with this Idempotency-Key is still running');
    case 'absent':
      return undefined;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}

/**
 * Idempotency-Key (brief §4) on the shared store of packages/postgres, recorded in the same transaction as
 * the work's effects (as in the webhooks service): of two concurrent twins, the one that records second
 * rolls back and replays the first answer. An error answer records nothing, so a retry runs again.
 */
export async function runIdempotent(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  work: (tx: PoolClient) => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  const ref = keyed(req);
  for (let round = 1; ; round++) {
    try {
      return await withTransaction(pool, async (tx) => {
        const now = clock.now();
        const replay = await replayOf(tx, ref, now);
        if (replay) return replay;
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
        throw orderErrors.idempotency_in_progress('A request with this Idempotency-Key is still running');
    }
  }
}

/**
 * For a command that is idempotent by itself (cancel): a stored answer is replayed; otherwise the command
 * runs outside the key's transaction (it calls balance) and its answer is recorded afterwards, first wins.
 */
export async function rememberAnswer(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  answer: () => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  const ref = keyed(req);
  const earlier = await withTransaction(pool, (tx) => replayOf(tx, ref, clock.now()));
  if (earlier) return earlier;
  const response = await answer();
  if (response.status >= 400)
    return { status: response.status, bodyJson: JSON.stringify(response.body), replayed: false };
  return await withTransaction(pool, async (tx) => {
    const bodyJson = JSON.stringify(response.body ?? null);
    const lost = await recordIdempotent(
      tx,
      [{ ...ref, response: { status: response.status, body: bodyJson } }],
      {
        at: clock.now(),
      },
    );
    if (lost.length === 0) return { status: response.status, bodyJson, replayed: false };
    return (await replayOf(tx, ref, clock.now())) ?? { status: response.status, bodyJson, replayed: false };
  });
}
