import type { Logger } from '@strongbox/http';
import type { ConsumerRouting } from '@strongbox/messaging';
import { type Pool, type Queryable, withTransaction } from '@strongbox/postgres';
import type { BackgroundWorker } from '@strongbox/service';
import { ALL_EVENTS, minimalPatterns, subscriptionPatterns } from './domain/subscription-patterns.ts';
import {
  addRecordedPatterns,
  lockRouting,
  recordedPatterns,
  replaceRecordedPatterns,
  selectedEventTypes,
} from './infra/routing.ts';

/** Distinct endpoint event types read to compute the patterns; with more, the subscription takes every event. */
export const ROUTING_TYPES_READ_MAX = 1_000;
/**
 * Each instance puts the patterns in place again this often: it removes what a failed narrowing left (it
 * only costs) and adds what an instance of a version without adjustable routing did not (an endpoint
 * created there during a rolling upgrade).
 */
export const ROUTING_RESYNC_MS = 60_000;

/**
 * Keeps webhooks' event subscription to the types its enabled endpoints select (ADR 0046). Every change of
 * the patterns runs under one advisory lock, in a transaction that reads the endpoints after taking it:
 *
 * - A write that may widen (create, a change of event types, enable) first records the patterns it may add
 *   (`expect`, before its transaction, so nothing put in place goes unrecorded if it then fails), then in
 *   its transaction, after the write, `widen`s: the lock is held to the commit, and every pattern the
 *   endpoints select as the transaction sees them is put in place, nothing removed, before the API answers.
 * - After a write that may narrow has committed, `settle` makes the patterns exactly what the committed
 *   endpoints select. It cannot remove one a concurrent widening needs: that one holds the lock until its
 *   write is committed, and the settle reads the endpoints only after it has the lock.
 *
 * Until a consumer is attached (tests that run no consumer) every call is a no-op.
 */
export interface EndpointRouting {
  /** `ConsumerSpec.adjustable.attach`: the patterns the endpoints select are put in place now. */
  attach(routing: ConsumerRouting): Promise<void>;
  /** Before a widening write's transaction: records what its event types may add. */
  expect(eventTypes: readonly string[]): Promise<void>;
  /** In the write's transaction, after the write: adds what the endpoints select; holds the lock to commit. */
  widen(tx: Queryable): Promise<void>;
  /** After a write committed: exactly what the committed endpoints select. Logs a failure (extras only cost). */
  settle(): Promise<void>;
  /** Settles every ROUTING_RESYNC_MS on this instance. */
  readonly resync: BackgroundWorker;
}

export function endpointRouting(deps: { pool: Pool; logger: Logger; consumer: string }): EndpointRouting {
  const { pool, consumer } = deps;
  const log = deps.logger.child({ component: 'routing', consumer });
  let routing: ConsumerRouting | undefined;

  const desired = async (db: Queryable) => {
    const types = await selectedEventTypes(db, ROUTING_TYPES_READ_MAX + 1);
    return types.length > ROUTING_TYPES_READ_MAX ? [ALL_EVENTS] : subscriptionPatterns(types);
  };

  /** Under the lock: puts the next patterns in place, then records them (committed with `tx`). */
  const apply = async (to: ConsumerRouting, tx: Queryable, mode: 'widen' | 'exact') => {
    await lockRouting(tx);
    const wanted = await desired(tx);
    const recorded = await recordedPatterns(tx, consumer);
    const next = mode === 'widen' ? minimalPatterns([...recorded, ...wanted]) : wanted;
    await to.setEventTypes(next, { unbind: recorded.filter((p) => !next.includes(p)) });
    await replaceRecordedPatterns(tx, consumer, next, recorded);
    return next;
  };

  const settle = async (to: ConsumerRouting) => {
    const next = await withTransaction(pool, (tx) => apply(to, tx, 'exact'));
    log.debug({ eventTypes: next }, 'subscription patterns settled');
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    async attach(to) {
      routing = to;
      await settle(to);
    },
    async expect(eventTypes) {
      if (routing) await addRecordedPatterns(pool, consumer, subscriptionPatterns(eventTypes));
    },
    async widen(tx) {
      if (routing) await apply(routing, tx, 'widen');
    },
    async settle() {
      if (!routing) return;
      await settle(routing).catch((err: unknown) =>
        log.warn({ err }, 'subscription patterns not settled; the next change or resync settles them'),
      );
    },
    resync: {
      start() {
        timer = setInterval(() => {
          if (routing) running = settle(routing).catch((err) => log.warn({ err }, 'routing resync failed'));
        }, ROUTING_RESYNC_MS);
        timer.unref();
      },
      async stop() {
        clearInterval(timer);
        await running;
      },
    },
  };
}
