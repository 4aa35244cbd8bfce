import {
  type Clock,
  type IdempotentOutcome,
  type IdempotentRequest,
  refId,
  type StoredResponse,
} from '@strongbox/kernel';
import { findIdempotent, recordIdempotent } from './idempotency.ts';
import type { Pool, PoolClient } from './pool.ts';
import { withTransaction } from './tx.ts';

/**
 * A twin that recorded the same key first makes us roll back and look again: the second round finds its
 * answer, so two rounds always suffice and this only bounds the loop. Past it, the key counts as running.
 */
export const TWIN_ROUNDS_MAX = 3;

class TwinWon extends Error {}

/** What the key already says for this request: its stored answer, a refusal, or nothing yet. */
async function earlierOutcome(
  tx: PoolClient,
  req: IdempotentRequest,
  now: Date,
): Promise<IdempotentOutcome | undefined> {
  const state = (await findIdempotent(tx, [req], now)).get(refId(req)) ?? { kind: 'absent' };
  switch (state.kind) {
    case 'replay':
      return { kind: 'done', response: state.response, replayed: true };
    case 'mismatch':
    case 'running':
      return { kind: state.kind };
    case 'absent':
      return undefined;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}

/**
 * Idempotency-Key (brief §4, ADR 0012) in the store's in-transaction mode: the answer is recorded in the
 * same transaction as the work's effects, so a crash never leaves one without the other, and no key is
 * ever seen 'running'. Two concurrent twins may both start the work; the one that records second blocks
 * on the key until the first commits, finds it taken, rolls its effects back and replays the first
 * answer. Work that throws records nothing: it changed nothing, so a retry runs again. `now` is the
 * instant the key is recorded at; the work may date its effects with it.
 *
 * @example
 * const outcome = await runIdempotent(pool, clock, req, (tx) => createEndpoint(tx, input));
 */
export async function runIdempotent(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  work: (tx: PoolClient, now: Date) => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  for (let round = 1; round <= TWIN_ROUNDS_MAX; round++) {
    try {
      return await withTransaction(pool, async (tx): Promise<IdempotentOutcome> => {
        const now = clock.now();
        const earlier = await earlierOutcome(tx, req, now);
        if (earlier) return earlier;
        const response = await work(tx, now);
        const lost = await recordIdempotent(tx, [{ ...req, response }], { at: now });
        if (lost.length > 0) throw new TwinWon();
        return { kind: 'done', response, replayed: false };
      });
    } catch (err) {
      if (!(err instanceof TwinWon)) throw err;
    }
  }
  return { kind: 'running' };
}

/**
 * For a command that is idempotent by itself and must call out before it can answer (an order's cancel
 * calls balance): a stored answer is replayed; otherwise the command runs outside the key's transaction
 * and its answer is recorded afterwards, first wins. An error answer (4xx, 5xx) is sent but not kept.
 */
export async function rememberAnswer(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  answer: () => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  const earlier = await withTransaction(pool, (tx) => earlierOutcome(tx, req, clock.now()));
  if (earlier) return earlier;
  const response = await answer();
  if (response.status >= 400) return { kind: 'done', response, replayed: false };
  return await withTransaction(pool, async (tx): Promise<IdempotentOutcome> => {
    const lost = await recordIdempotent(tx, [{ ...req, response }], { at: clock.now() });
    if (lost.length === 0) return { kind: 'done', response, replayed: false };
    return (await earlierOutcome(tx, req, clock.now())) ?? { kind: 'done', response, replayed: false };
  });
}
