import type { Clock } from '@strongbox/kernel';
import {
  findIdempotent,
  type IdempotentRequest as KeyedRequest,
  recordIdempotent,
  refId,
  requestHash,
} from './idempotency.ts';
import type { Pool, PoolClient } from './pool.ts';
import { withTransaction } from './tx.ts';

/** An HTTP request under an Idempotency-Key: the caller is the scope, the rest is hashed. */
export interface KeyedHttpRequest {
  readonly scope: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

export interface AnswerToStore {
  readonly status: number;
  readonly body: unknown;
}

/** The first answer as sent: replays send these exact bytes. */
export interface IdempotentOutcome {
  readonly status: number;
  readonly bodyJson: string;
  readonly replayed: boolean;
}

/** A service's own errors for the two refusals (its catalogue, mapped to 422 and 409 at the edge). */
export interface IdempotencyRefusals {
  reused(detail: string): Error;
  inProgress(detail: string): Error;
}

/** A twin that recorded the same key first makes us roll back and look again; this bounds the rounds. */
const TWIN_ROUNDS_MAX = 3;
const IN_PROGRESS = 'A request with this Idempotency-Key is still running';

class TwinWon extends Error {}

const keyed = (req: KeyedHttpRequest): KeyedRequest => ({
  scope: req.scope,
  key: req.key,
  requestHash: requestHash(req.method, req.path, req.body),
});

/** The stored answer for the key, if any; a different request under the key is refused. */
async function replayOf(
  tx: PoolClient,
  ref: KeyedRequest,
  now: Date,
  refusals: IdempotencyRefusals,
): Promise<IdempotentOutcome | undefined> {
  const state = (await findIdempotent(tx, [ref], now)).get(refId(ref)) ?? { kind: 'absent' };
  switch (state.kind) {
    case 'replay':
      return { status: state.response.status, bodyJson: state.response.body, replayed: true };
    case 'mismatch':
      throw refusals.reused('This Idempotency-Key was used with a different request');
    case 'running':
      throw refusals.inProgress(IN_PROGRESS);
    case 'absent':
      return undefined;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}

/**
 * Idempotency-Key (brief §4) on the shared store, in its in-transaction mode: the answer is recorded in
 * the same transaction as the work's effects, so a crash never leaves one without the other, and no key
 * is ever seen 'running'. Two concurrent twins may both start the work; the one that records second
 * blocks on the key until the first commits, finds it taken, rolls its effects back and replays the first
 * answer. A failed request (an error answer) records nothing: it changed nothing, so a retry runs again.
 *
 * @example
 * const outcome = await runIdempotent(pool, clock, req, (tx) => createEndpoint(tx, input), refusals);
 */
export async function runIdempotent(
  pool: Pool,
  clock: Clock,
  req: KeyedHttpRequest,
  work: (tx: PoolClient) => Promise<AnswerToStore>,
  refusals: IdempotencyRefusals,
): Promise<IdempotentOutcome> {
  const ref = keyed(req);
  for (let round = 1; ; round++) {
    try {
      return await withTransaction(pool, async (tx) => {
        const now = clock.now();
        const replay = await replayOf(tx, ref, now, refusals);
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
      if (round >= TWIN_ROUNDS_MAX) throw refusals.inProgress(IN_PROGRESS);
    }
  }
}

/**
 * For a command that is idempotent by itself and must call out before it can answer (an order's cancel
 * calls balance): a stored answer is replayed; otherwise the command runs outside the key's transaction
 * and its answer is recorded afterwards, first wins.
 */
export async function rememberAnswer(
  pool: Pool,
  clock: Clock,
  req: KeyedHttpRequest,
  answer: () => Promise<AnswerToStore>,
  refusals: IdempotencyRefusals,
): Promise<IdempotentOutcome> {
  const ref = keyed(req);
  const earlier = await withTransaction(pool, (tx) => replayOf(tx, ref, clock.now(), refusals));
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
    return (
      (await replayOf(tx, ref, clock.now(), refusals)) ?? {
        status: response.status,
        bodyJson,
        replayed: false,
      }
    );
  });
}
