import {
  type Clock,
  type IdempotentOutcome,
  type IdempotentRequest,
  refId,
  type StoredResponse,
} from '@strongbox/kernel';
import { findIdempotent, RECORD_ONE_SQL, recordIdempotent, recordOneValues } from './idempotency.ts';
import type { Queryable } from './outbox.ts';
import type { Pool, PoolClient } from './pool.ts';
import { prepared } from './prepared.ts';
import { withTransaction } from './tx.ts';

/**
 * A twin that recorded the same key first makes us roll back and look again: the second round finds its
 * answer, so two rounds always suffice and this only bounds the loop. Past it, the key counts as running.
 */
export const TWIN_ROUNDS_MAX = 3;

class TwinWon extends Error {}

/** What the key already says for this request: its stored answer, a refusal, or nothing yet. */
async function earlierOutcome(
  tx: Queryable,
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

/** The first parameter the statement of runIdempotentStatement's work may use: $1…$7 record the key. */
export const KEYED_STATEMENT_FIRST_PARAM = 8;

/** The work of runIdempotentStatement: its answer, known before it runs, and its one statement. */
export interface KeyedStatement {
  readonly response: StoredResponse;
  /**
   * One data-modifying statement (an `insert … select … where`, an `update … where`), usable as a CTE, that
   * changes nothing unless `recorded`, an SQL condition, holds. Its values are numbered from
   * KEYED_STATEMENT_FIRST_PARAM.
   */
  readonly sql: (recorded: string) => string;
  readonly values: readonly unknown[];
}

/**
 * runIdempotent for work that is one statement whose answer is known before it runs (a new row rendered
 * from what the request asked): the key is recorded and the work done by one statement outside any
 * transaction block, so a new request costs one round trip instead of five (BEGIN, the lookup, the work,
 * the record, COMMIT). The guarantees are runIdempotent's: the work's effects exist exactly when the key
 * is recorded with its answer, and no key is ever seen 'running'. A twin recording the same key waits for
 * the first to commit and then does nothing, as does a replay or a mismatch; only then is the key read,
 * and its stored answer or refusal answered. A statement that fails records nothing.
 *
 * @example
 * const outcome = await runIdempotentStatement(pool, clock, req, () => ({
 *   response: jsonResponse(201, view),
 *   sql: (recorded) => `insert into things (id, name) select $8, $9 where ${recorded}`,
 *   values: [id, name],
 * }));
 */
export async function runIdempotentStatement(
  pool: Pool,
  clock: Clock,
  req: IdempotentRequest,
  work: (now: Date) => KeyedStatement,
): Promise<IdempotentOutcome> {
  for (let round = 1; round <= TWIN_ROUNDS_MAX; round++) {
    const now = clock.now();
    const w = work(now);
    const { rows } = await pool.query<{ recorded: number }>(
      prepared(
        `with recorded as (${RECORD_ONE_SQL}),
          work as (${w.sql('exists (select 1 from recorded)')})
          select count(*)::int as recorded from recorded`,
        [...recordOneValues({ ...req, response: w.response }, { at: now }), ...w.values],
      ),
    );
    if (rows[0]?.recorded === 1) return { kind: 'done', response: w.response, replayed: false };
    const earlier = await earlierOutcome(pool, req, clock.now());
    if (earlier) return earlier;
    // The key another request held expired in between (it counts as absent then): record it anew.
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
