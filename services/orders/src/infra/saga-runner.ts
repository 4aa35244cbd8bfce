import type { Clock, Logger } from '@strongbox/kernel';
import { type Pool, type Queryable, withTransaction } from '@strongbox/postgres';
import { isTerminal, type Order } from '../domain/order.ts';
import { type Decision, nextAction, type SagaInput } from '../domain/saga.ts';
import {
  type ProcessorEventHandler,
  processingOutcomeHandler,
} from '../features/processing-outcome/handler.ts';
import type { BalanceClient } from '../ports.ts';
import type { OrdersMetrics } from './metrics.ts';
import { dueOrderIds, findOrder } from './orders-sql.ts';
import {
  type ApplyToKnown,
  knownStateApplier,
  type PerformStep,
  sagaApplier,
  stepPerformer,
} from './saga-steps.ts';

/** Steps one drive takes before it yields (each is a balance call and a write). */
export const DRIVE_ROUNDS_MAX = 8;
/** Orders the timer takes per tick, and how many of them it drives at once. */
export const TIMER_BATCH_MAX = 200;
export const TIMER_CONCURRENCY = 16;
/** Every second: retries, resumptions and deadlines are seen within about a second of falling due. */
export const TIMER_SCHEDULE = '* * * * * *';

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
  /** Applies one input to the order in a transaction of its own (row-locked). */
  apply(orderId: string, input: SagaInput): Promise<Decision | undefined>;
  /**
   * Runs the order's due steps now; concurrent calls for one order in this process share one run. `known`
   * is the order as the caller has just committed it, which saves reading it back (a stale copy only costs
   * a repeated, idempotent balance call: a result is written only on the version it was decided on, and
   * otherwise applied under the row lock on the latest state).
   */
  drive(orderId: string, known?: Order): Promise<void>;
  /** Resolves once no drive runs in this process (at shutdown, before balance's client is closed). */
  settle(): Promise<void>;
  /** The timer's tick: drives the orders that are due (a step to retry, a deadline passed). */
  tick(tx: Queryable): Promise<number>;
  /** The consumer's handler for processor events (features/processing-outcome), bound to this runner. */
  handleProcessorEvent: ProcessorEventHandler;
}

/**
 * Carries out the saga that domain/saga.ts decides (ADR 0015): balance calls happen outside any
 * transaction (saga-steps.ts), and their results are applied to the latest state of the order: by a drive
 * in one statement guarded by the version it knows (ADR 0043), falling back to the row lock when the
 * order changed meanwhile; by a consumer and a cancel under the row lock. Every balance call is
 * idempotent, so a run that is repeated (two instances, a crash, the timer and a consumer at once)
 * repeats nothing in the ledger.
 */
export function sagaRunner(deps: SagaRunnerDeps): SagaRunner {
  const { pool, clock, logger } = deps;
  const applyIn = sagaApplier(deps);
  const apply = (orderId: string, input: SagaInput) =>
    withTransaction(pool, (tx) => applyIn(tx, orderId, input));
  const applyToKnown = knownStateApplier(deps, applyIn);
  const perform = stepPerformer({ ...deps, random: deps.random ?? Math.random });
  const failed = (orderId: string) => (err: unknown) => logger.error({ err, orderId }, 'saga run failed');
  const drives = sharedDrives(
    (orderId, known) => driveOnce({ pool, clock, applyToKnown, perform }, orderId, known),
    failed,
  );
  const kick = (order: Order) => {
    drives.drive(order.id, order).catch(failed(order.id));
  };

  return {
    applyIn,
    apply,
    drive: drives.drive,
    settle: drives.settle,
    async tick(tx) {
      const ids = await dueOrderIds(tx, clock.now(), TIMER_BATCH_MAX);
      await forEachBounded(ids, TIMER_CONCURRENCY, (id) => drives.drive(id).catch(failed(id)));
      return ids.length;
    },
    handleProcessorEvent: processingOutcomeHandler({ logger, applyIn, kick }),
  };
}

/** One drive: the order's due steps, one after another, until it waits, ends or has taken its rounds. */
async function driveOnce(
  deps: {
    pool: Pool;
    clock: Clock;
    applyToKnown: ApplyToKnown;
    perform: PerformStep;
  },
  orderId: string,
  known: Order | undefined,
): Promise<void> {
  // Read once (unless the caller knows it); after that each round continues from the state its own
  // write decided and saved. Each write is guarded by the version of the state it was decided on.
  let order = known ?? (await findOrder(deps.pool, orderId));
  for (let round = 0; round < DRIVE_ROUNDS_MAX; round++) {
    if (!order || isTerminal(order.status)) return;
    const action = nextAction(order);
    let input: SagaInput;
    if (action) input = await deps.perform(order, action);
    else if (order.processingDeadline && deps.clock.now() >= order.processingDeadline)
      input = { kind: 'deadline_checked' };
    else return;
    const d = await deps.applyToKnown(order, input);
    if (d?.kind !== 'changed' || input.kind === 'step_failed') return;
    order = d.order;
  }
}

/**
 * Drives of this process, one run per order at a time: a call while the order's run is going joins it
 * and has it look once more, since whatever made the caller kick may have been committed after the run
 * last looked.
 */
function sharedDrives(
  run: (orderId: string, known: Order | undefined) => Promise<void>,
  failed: (orderId: string) => (err: unknown) => void,
) {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const drive = (orderId: string, known?: Order): Promise<void> => {
    const current = running.get(orderId);
    if (current) {
      again.add(orderId);
      return current;
    }
    const loop = (async () => {
      let first = known;
      do {
        again.delete(orderId);
        await run(orderId, first);
        first = undefined;
      } while (again.has(orderId));
    })().finally(() => {
      running.delete(orderId);
      // A kick that arrived after the loop's last look but before this line would otherwise be lost.
      if (again.delete(orderId)) drive(orderId).catch(failed(orderId));
    });
    running.set(orderId, loop);
    return loop;
  };
  return {
    drive,
    async settle() {
      // Drives may start others as they end (a late kick), so look again until none is left.
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
async function forEachBounded<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
