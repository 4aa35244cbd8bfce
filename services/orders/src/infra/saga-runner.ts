import type { Logger } from '@strongbox/http';
import { type BackoffPolicy, backoffMs, type Clock, type CloudEvent } from '@strongbox/kernel';
import { appendOutbox, type Pool, type Queryable, withTransaction } from '@strongbox/postgres';
import { isTerminal, type Order } from '../domain/order.ts';
import { type Decision, decide, nextAction, type SagaAction, type SagaInput } from '../domain/saga.ts';
import type { BalanceClient } from '../ports.ts';
import { orderEvent } from './events.ts';
import type { OrdersMetrics } from './metrics.ts';
import { dueOrderIds, findOrder, findOrderForUpdate, saveOrder } from './orders-sql.ts';

/** Steps one drive takes before it yields (each is a balance call and a transaction). */
export const DRIVE_ROUNDS_MAX = 8;
/** Backoff of a step that failed without an outcome (balance down, circuit open); the timer retries it. */
export const STEP_RETRY_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000 };
/** Orders the timer takes per tick, and how many of them it drives at once. */
export const TIMER_BATCH_MAX = 200;
export const TIMER_CONCURRENCY = 16;
/** Every second: retries, resumptions and deadlines are seen within about a second of falling due. */
export const TIMER_SCHEDULE = '* * * * * *';
/** The processor events the saga consumes. */
export const CONSUMER_NAME = 'orders';
export const CONSUMED_EVENT_TYPES = ['processor.order.started', 'processor.order.processed'] as const;

export interface SagaRunnerDeps {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly balance: BalanceClient;
  readonly metrics: OrdersMetrics;
  readonly processingTimeoutMs: number;
  /** The timer resumes a step this long after it should have run (its runner may have died). */
  readonly resumeAfterMs: number;
  readonly random?: () => number;
}

export interface SagaRunner {
  /** Applies one input to the order inside the caller's transaction (row-locked). */
  applyIn(tx: Queryable, orderId: string, input: SagaInput): Promise<Decision | undefined>;
  apply(orderId: string, input: SagaInput): Promise<Decision | undefined>;
  /**
   * Runs the order's due steps now; concurrent calls for one order in this process share one run. `known`
   * is the order as the caller has just committed it, which saves reading it back (a stale copy only costs
   * a repeated, idempotent balance call: every result is applied under the row lock).
   */
  drive(orderId: string, known?: Order): Promise<void>;
  /** Resolves once no drive runs in this process (at shutdown, before balance's client is closed). */
  settle(): Promise<void>;
  /** The timer's tick: drives the orders that are due (a step to retry, a deadline passed). */
  tick(tx: Queryable): Promise<number>;
  /**
   * The consumer's handler for processor events; `afterCommit` runs the next step once the transaction
   * that recorded the event has committed, so the step sees it.
   */
  handleProcessorEvent(
    tx: Queryable,
    event: CloudEvent,
    afterCommit: (fn: () => void) => void,
  ): Promise<void>;
}

/**
 * Carries out the saga that domain/saga.ts decides (ADR 0015): balance calls happen outside any
 * transaction, and their results are applied under the order's row lock, where `decide` sees the latest
 * state. Every balance call is idempotent, so a run that is repeated (two instances, a crash, the timer
 * and a consumer at once) repeats nothing in the ledger.
 */
export function sagaRunner(deps: SagaRunnerDeps): SagaRunner {
  const { pool, clock, logger } = deps;
  const random = deps.random ?? Math.random;
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();

  const logFor = (o: Order) => logger.child({ orderId: o.id, traceId: o.traceId });

  const applyIn = async (tx: Queryable, orderId: string, input: SagaInput) => {
    const order = await findOrderForUpdate(tx, orderId);
    if (!order) return undefined;
    const d = decide(order, input, {
      now: clock.now(),
      processingTimeoutMs: deps.processingTimeoutMs,
      resumeAfterMs: deps.resumeAfterMs,
    });
    if (d.kind !== 'changed') return d;
    await saveOrder(tx, d.order);
    await appendOutbox(
      tx,
      d.events.map((type) => orderEvent(type, d.order, clock)),
    );
    if (d.order.status !== order.status) {
      deps.metrics.transitions.inc({ status: d.order.status });
      logFor(d.order).info(
        { from: order.status, to: d.order.status, reason: d.order.failureReason, input: input.kind },
        `order ${d.order.status}`,
      );
    }
    return d;
  };
  const apply = (orderId: string, input: SagaInput) =>
    withTransaction(pool, (tx) => applyIn(tx, orderId, input));

  const perform = async (o: Order, action: SagaAction): Promise<SagaInput> => {
    try {
      switch (action.kind) {
        case 'hold': {
          const r = await deps.balance.placeHold(o);
          return r.kind === 'held'
            ? { kind: 'hold_placed', transferId: r.transferId }
            : { kind: 'hold_refused', code: r.code };
        }
        case 'capture': {
          const r = await deps.balance.capture(o, action.transferId);
          return r.kind === 'captured'
            ? { kind: 'captured' }
            : { kind: 'capture_refused', transferStatus: r.transferStatus };
        }
        case 'release':
          await deps.balance.release(o, action.transferId);
          return { kind: 'released' };
        default: {
          const unreachable: never = action;
          return unreachable;
        }
      }
    } catch (err) {
      deps.metrics.stepFailures.inc({ step: action.kind });
      const retryInMs = backoffMs(o.stepAttempts + 1, STEP_RETRY_BACKOFF, random);
      logFor(o).warn({ err, step: action.kind, attempts: o.stepAttempts + 1, retryInMs }, 'saga step failed');
      return {
        kind: 'step_failed',
        step: action.kind,
        error: (err as Error).message.slice(0, 500),
        retryInMs,
      };
    }
  };

  const driveOnce = async (orderId: string, known: Order | undefined) => {
    // Read once (unless the caller knows it); after that each round continues from the state its own
    // transaction decided and saved.
    let order = known ?? (await findOrder(pool, orderId));
    for (let round = 0; round < DRIVE_ROUNDS_MAX; round++) {
      if (!order || isTerminal(order.status)) return;
      const action = nextAction(order);
      let input: SagaInput;
      if (action) input = await perform(order, action);
      else if (order.processingDeadline && clock.now() >= order.processingDeadline)
        input = { kind: 'deadline_checked' };
      else return;
      const d = await apply(orderId, input);
      if (d?.kind !== 'changed' || input.kind === 'step_failed') return;
      order = d.order;
    }
  };

  const drive = (orderId: string, known?: Order): Promise<void> => {
    const current = running.get(orderId);
    if (current) {
      // Whatever made the caller kick may have been committed after the current run last looked.
      again.add(orderId);
      return current;
    }
    const run = (async () => {
      let first = known;
      do {
        again.delete(orderId);
        await driveOnce(orderId, first);
        first = undefined;
      } while (again.has(orderId));
    })().finally(() => {
      running.delete(orderId);
      // A kick that arrived after the loop's last look but before this line would otherwise be lost.
      if (again.delete(orderId))
        drive(orderId).catch((err) => logger.error({ err, orderId }, 'saga run failed'));
    });
    running.set(orderId, run);
    return run;
  };

  const kick = (order: Order) => {
    drive(order.id, order).catch((err) => logger.error({ err, orderId: order.id }, 'saga run failed'));
  };

  return {
    applyIn,
    apply,
    drive,
    async settle() {
      // Drives may start others as they end (a late kick), so look again until none is left.
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
    async tick(tx) {
      const ids = await dueOrderIds(tx, clock.now(), TIMER_BATCH_MAX);
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next++] as string;
          await drive(id).catch((err) => logger.error({ err, orderId: id }, 'saga run failed'));
        }
      };
      await Promise.all(Array.from({ length: Math.min(TIMER_CONCURRENCY, ids.length) }, worker));
      return ids.length;
    },
    async handleProcessorEvent(tx, event, afterCommit) {
      const data = event.data as { orderId?: unknown; status?: unknown; error?: unknown } | null;
      const orderId = data?.orderId;
      if (typeof orderId !== 'string') throw new Error(`${event.type} ${event.id} carries no orderId`);
      let input: SagaInput;
      if (event.type === 'processor.order.started') input = { kind: 'processing_started' };
      else if (data?.status === 'completed') input = { kind: 'processed', outcome: 'completed' };
      else if (data?.status === 'failed')
        input = { kind: 'processed', outcome: 'failed', error: String(data.error ?? 'processing_failed') };
      else throw new Error(`${event.type} ${event.id} has an unknown status`);
      const d = await applyIn(tx, orderId, input);
      if (!d) {
        logger.warn({ orderId, eventId: event.id, traceId: event.traceid }, 'event about an unknown order');
        return;
      }
      if (d.kind === 'changed') {
        const decided = d.order;
        afterCommit(() => kick(decided));
      } else
        logger.info(
          { orderId, traceId: event.traceid, why: d.kind === 'ignored' ? d.why : d.code },
          `${event.type} ignored`,
        );
    },
  };
}
