import { type BackoffPolicy, backoffMs, type Clock, type Logger } from '@strongbox/kernel';
import { appendOutbox, type Pool, type Queryable, withTransaction } from '@strongbox/postgres';
import type { Order } from '../domain/order.ts';
import { type Decision, decide, type SagaAction, type SagaContext, type SagaInput } from '../domain/saga.ts';
import type { BalanceClient } from '../ports.ts';
import { orderEvent } from './events.ts';
import type { OrdersMetrics } from './metrics.ts';
import { findOrderForUpdate, saveOrder, saveOrderIfVersion } from './orders-sql.ts';

/** Backoff of a step that failed without an outcome (balance down, circuit open); the timer retries it. */
export const STEP_RETRY_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000 };

export type ApplyIn = (tx: Queryable, orderId: string, input: SagaInput) => Promise<Decision | undefined>;
export type ApplyToKnown = (known: Order, input: SagaInput) => Promise<Decision | undefined>;

export interface ApplierDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: OrdersMetrics;
  readonly processingTimeoutMs: number;
  readonly resumeAfterMs: number;
}

/**
 * Applies one input to the order under its row lock, inside the caller's transaction: `decide` sees the
 * latest state, and what it decides is saved with its events in the outbox.
 */
export function sagaApplier(deps: ApplierDeps): ApplyIn {
  return async (tx, orderId, input) => {
    const order = await findOrderForUpdate(tx, orderId);
    if (!order) return undefined;
    const d = decide(order, input, contextOf(deps));
    if (d.kind !== 'changed') return d;
    const version = await saveOrder(tx, d.order);
    await appendOutbox(tx, eventsOf(d, deps.clock));
    return recorded(deps, order, { ...d, order: { ...d.order, version } }, input);
  };
}

/**
 * Applies one input to an order whose state the caller knows (the drive: what it last committed or read),
 * in one statement and no transaction block (ADR 0043): `decide` runs on the known state, and the write
 * with its events is guarded by the known version, so it happens only if nobody changed the order since;
 * the outcome is then exactly the locked path's. Otherwise, and for a decision that is no change (only the
 * latest state may say an input no longer fits), the input is applied on the locked path, deciding again.
 */
export function knownStateApplier(
  deps: ApplierDeps & { readonly pool: Pool },
  locked: ApplyIn,
): ApplyToKnown {
  return async (known, input) => {
    const d = decide(known, input, contextOf(deps));
    if (d.kind === 'changed') {
      const version = await saveOrderIfVersion(deps.pool, d.order, known.version, eventsOf(d, deps.clock));
      if (version !== undefined)
        return recorded(deps, known, { ...d, order: { ...d.order, version } }, input);
    }
    return withTransaction(deps.pool, (tx) => locked(tx, known.id, input));
  };
}

function contextOf(deps: ApplierDeps): SagaContext {
  return {
    now: deps.clock.now(),
    processingTimeoutMs: deps.processingTimeoutMs,
    resumeAfterMs: deps.resumeAfterMs,
  };
}

const eventsOf = (d: Extract<Decision, { kind: 'changed' }>, clock: Clock) =>
  d.events.map((type) => orderEvent(type, d.order, clock));

/** Counts and logs a change of status, on either path; answers the decision as saved. */
function recorded(
  deps: ApplierDeps,
  before: Order,
  d: Extract<Decision, { kind: 'changed' }>,
  input: SagaInput,
): Decision {
  if (d.order.status !== before.status) {
    deps.metrics.transitions.inc({ status: d.order.status });
    logOf(deps.logger, d.order).info(
      { from: before.status, to: d.order.status, reason: d.order.failureReason, input: input.kind },
      `order ${d.order.status}`,
    );
  }
  return d;
}

export type PerformStep = (o: Order, action: SagaAction) => Promise<SagaInput>;

/**
 * Makes the balance call that an action asks for, outside any transaction, and answers what came of it
 * as the saga's next input; a call that failed without an outcome becomes `step_failed` with a retry time.
 */
export function stepPerformer(deps: {
  readonly balance: BalanceClient;
  readonly logger: Logger;
  readonly metrics: OrdersMetrics;
  readonly random: () => number;
}): PerformStep {
  return async (o, action) => {
    try {
      return await balanceStep(deps.balance, o, action);
    } catch (err) {
      deps.metrics.stepFailures.inc({ step: action.kind });
      const retryInMs = backoffMs(o.stepAttempts + 1, STEP_RETRY_BACKOFF, deps.random);
      logOf(deps.logger, o).warn(
        { err, step: action.kind, attempts: o.stepAttempts + 1, retryInMs },
        'saga step failed',
      );
      return {
        kind: 'step_failed',
        step: action.kind,
        error: (err as Error).message.slice(0, 500),
        retryInMs,
      };
    }
  };
}

async function balanceStep(balance: BalanceClient, o: Order, action: SagaAction): Promise<SagaInput> {
  switch (action.kind) {
    case 'hold': {
      const r = await balance.placeHold(o);
      return r.kind === 'held'
        ? { kind: 'hold_placed', transferId: r.transferId }
        : { kind: 'hold_refused', code: r.code };
    }
    case 'capture': {
      const r = await balance.capture(o, action.transferId);
      return r.kind === 'captured'
        ? { kind: 'captured' }
        : { kind: 'capture_refused', transferStatus: r.transferStatus };
    }
    case 'release':
      await balance.release(o, action.transferId);
      return { kind: 'released' };
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

const logOf = (logger: Logger, o: Order) => logger.child({ orderId: o.id, traceId: o.traceId });
