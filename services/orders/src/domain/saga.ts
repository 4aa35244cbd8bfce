import { isTerminal, type Order, type OrderStatus, type Resolution } from './order.ts';

/**
 * The order saga as a pure decider (ADR 0015): `nextAction` says what must be done in balance now, and
 * `decide` folds one input (a balance answer, a processor event, a cancel, the timer) into the order.
 * Time and delays come in as arguments; the runner in infra/ does the I/O and persists the result.
 */
export type SagaAction =
  | { readonly kind: 'hold' }
  | { readonly kind: 'capture'; readonly transferId: string }
  | { readonly kind: 'release'; readonly transferId: string };

export type SagaInput =
  | { readonly kind: 'hold_placed'; readonly transferId: string }
  | { readonly kind: 'hold_refused'; readonly code: string }
  | { readonly kind: 'processing_started' }
  | { readonly kind: 'processed'; readonly outcome: 'completed' }
  | { readonly kind: 'processed'; readonly outcome: 'failed'; readonly error: string }
  | { readonly kind: 'cancel_requested' }
  | { readonly kind: 'deadline_checked' }
  | { readonly kind: 'captured' }
  | { readonly kind: 'capture_refused'; readonly transferStatus: string }
  | { readonly kind: 'released' }
  | {
      readonly kind: 'step_failed';
      /** The step that failed: a failure of a step that is no longer due (another run did it) is ignored. */
      readonly step: SagaAction['kind'];
      readonly error: string;
      readonly retryInMs: number;
    };

export const ORDER_EVENT_TYPES = [
  'orders.order.created',
  'orders.order.completed',
  'orders.order.failed',
  'orders.order.cancelled',
  'orders.order.rejected',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export interface SagaContext {
  readonly now: Date;
  /** How long a hold may wait for the processor's outcome before it is released. */
  readonly processingTimeoutMs: number;
  /** The timer looks again this long after a step should have run, in case its runner died. */
  readonly resumeAfterMs: number;
}

export type Decision =
  | { readonly kind: 'changed'; readonly order: Order; readonly events: readonly OrderEventType[] }
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'refused'; readonly code: 'order_not_cancellable' };

/** What the saga must do in balance now; undefined while it waits for the processor, the timer or nothing. */
export function nextAction(o: Order): SagaAction | undefined {
  if (isTerminal(o.status)) return undefined;
  // A pending order places its hold even when already cancelled: the hold call may have been made before a
  // crash, and repeating it (same Idempotency-Key) is the only way to learn the transfer id to void.
  if (o.holdTransferId === null) return { kind: 'hold' };
  if (o.resolution?.kind === 'capture') return { kind: 'capture', transferId: o.holdTransferId };
  if (o.resolution?.kind === 'release') return { kind: 'release', transferId: o.holdTransferId };
  return undefined;
}

export function decide(o: Order, input: SagaInput, ctx: SagaContext): Decision {
  if (isTerminal(o.status)) {
    if (input.kind === 'cancel_requested') return { kind: 'refused', code: 'order_not_cancellable' };
    return { kind: 'ignored', why: `the order is already ${o.status}` };
  }
  switch (input.kind) {
    case 'hold_placed': {
      if (o.holdTransferId !== null) return { kind: 'ignored', why: 'the hold is already recorded' };
      const held = { ...o, holdTransferId: input.transferId };
      if (o.resolution) return changed(held, ctx, null);
      return changed(
        { ...held, processingDeadline: new Date(ctx.now.getTime() + ctx.processingTimeoutMs) },
        ctx,
        { status: 'reserved', reason: null },
        ['orders.order.created'],
      );
    }
    case 'hold_refused': {
      if (o.holdTransferId !== null) return { kind: 'ignored', why: 'the hold is already recorded' };
      // A cancel that came first still ends as cancelled: nothing was held, so nothing is owed either way.
      if (o.resolution?.kind === 'release' && o.resolution.outcome === 'cancelled')
        return changed(o, ctx, { status: 'cancelled', reason: o.resolution.reason }, [
          'orders.order.cancelled',
        ]);
      return changed(o, ctx, { status: 'rejected', reason: input.code }, ['orders.order.rejected']);
    }
    case 'processing_started': {
      if (o.status !== 'reserved' || o.resolution) return { kind: 'ignored', why: 'not waiting to start' };
      return changed(o, ctx, { status: 'processing', reason: null });
    }
    case 'processed': {
      if (o.holdTransferId === null || o.resolution)
        return { kind: 'ignored', why: 'the outcome is already decided' };
      const resolution: Resolution =
        input.outcome === 'completed'
          ? { kind: 'capture' }
          : { kind: 'release', outcome: 'failed', reason: input.error };
      // Consumers may see processor.order.processed before processor.order.started (they run events
      // concurrently); an outcome proves processing began, so the history says so either way.
      const began = o.status === 'reserved' ? { status: 'processing' as const, reason: null } : null;
      return changed({ ...o, resolution }, ctx, began);
    }
    case 'cancel_requested': {
      if (o.resolution?.kind === 'release' && o.resolution.outcome === 'cancelled')
        return { kind: 'ignored', why: 'a cancel is already under way' };
      if (o.resolution || (o.status !== 'pending' && o.status !== 'reserved'))
        return { kind: 'refused', code: 'order_not_cancellable' };
      return changed(
        { ...o, resolution: { kind: 'release', outcome: 'cancelled', reason: 'cancelled_by_customer' } },
        ctx,
        null,
      );
    }
    case 'deadline_checked': {
      if (o.resolution || o.processingDeadline === null) return { kind: 'ignored', why: 'no deadline runs' };
      if (ctx.now.getTime() < o.processingDeadline.getTime())
        return { kind: 'ignored', why: 'the deadline has not passed' };
      return changed(
        { ...o, resolution: { kind: 'release', outcome: 'failed', reason: 'processing_timeout' } },
        ctx,
        null,
      );
    }
    case 'captured': {
      if (o.resolution?.kind !== 'capture') return { kind: 'ignored', why: 'no capture was decided' };
      return changed(o, ctx, { status: 'completed', reason: null }, ['orders.order.completed']);
    }
    case 'capture_refused': {
      // Balance let the hold lapse (it expired or was voided there): the money never moved, so the order
      // fails rather than completing without payment.
      if (o.resolution?.kind !== 'capture') return { kind: 'ignored', why: 'no capture was decided' };
      return changed(o, ctx, { status: 'failed', reason: `hold_${input.transferStatus}` }, [
        'orders.order.failed',
      ]);
    }
    case 'released': {
      const r = o.resolution;
      if (r?.kind !== 'release') return { kind: 'ignored', why: 'no release was decided' };
      return changed(o, ctx, { status: r.outcome, reason: r.reason }, [
        r.outcome === 'failed' ? 'orders.order.failed' : 'orders.order.cancelled',
      ]);
    }
    case 'step_failed':
      if (nextAction(o)?.kind !== input.step)
        return { kind: 'ignored', why: `the ${input.step} step is no longer due` };
      return {
        kind: 'changed',
        order: {
          ...o,
          stepAttempts: o.stepAttempts + 1,
          lastError: input.error,
          nextStepAt: new Date(ctx.now.getTime() + input.retryInMs),
          updatedAt: ctx.now,
        },
        events: [],
      };
    default: {
      const unreachable: never = input;
      return unreachable;
    }
  }
}

/** The order after a step: a new status (with its history entry) or the same one, and the timer set anew. */
function changed(
  o: Order,
  ctx: SagaContext,
  to: { status: OrderStatus; reason: string | null } | null,
  events: readonly OrderEventType[] = [],
): Decision {
  const moved: Order = to
    ? {
        ...o,
        status: to.status,
        failureReason:
          to.status === 'failed' || to.status === 'rejected' || to.status === 'cancelled' ? to.reason : null,
        history: [...o.history, { status: to.status, at: ctx.now.toISOString(), reason: to.reason }],
      }
    : o;
  const next: Order = { ...moved, stepAttempts: 0, lastError: null, updatedAt: ctx.now };
  return { kind: 'changed', order: { ...next, nextStepAt: timerFor(next, ctx) }, events };
}

/**
 * When the timer should look at the order: soon after a step that should run now (its runner may die),
 * at the processing deadline while waiting for the processor, never once terminal.
 */
function timerFor(o: Order, ctx: SagaContext): Date | null {
  if (isTerminal(o.status)) return null;
  if (nextAction(o)) return new Date(ctx.now.getTime() + ctx.resumeAfterMs);
  return o.processingDeadline;
}
