import { type Clock, type CloudEvent, type Logger, newId } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';

/** The consumer's name: its queue on RabbitMQ, its subscription on PostgreSQL, its inbox key. */
export const CONSUMER_NAME = 'processor';
export const CONSUMED_EVENT_TYPES = ['orders.order.created', 'orders.order.cancelled'] as const;

/** A processing record as intake first writes it. */
export interface ReceivedRecord {
  readonly id: string;
  readonly orderId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly description: string | null;
  readonly traceId: string | null;
  readonly status: 'pending' | 'cancelled';
}

/** What intake needs: the clock, the log, a wake-up for the worker and two queries (infra/records-sql.ts). */
export interface OrderIntakePorts {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs once a new pending record has committed, so the worker's claim can see it. */
  readonly onReceived: () => void;
  /** Records a received order; answers false when the order already has a record. */
  insertReceived(tx: Queryable, r: ReceivedRecord, at: Date): Promise<boolean>;
  /** Cancels the order's record if processing has not begun; answers whether it did. */
  cancelIfPending(tx: Queryable, orderId: string, at: Date): Promise<boolean>;
}

interface OrderData {
  orderId: string;
  amount: number;
  currency: string;
  description: string | null;
}

function orderData(event: CloudEvent): OrderData {
  const d = event.data as Partial<OrderData> | null;
  // A malformed event is a poison message: throwing retries it, then it lands in the dead letters.
  if (
    typeof d?.orderId !== 'string' ||
    !Number.isSafeInteger(d.amount) ||
    (d.amount as number) < 1 ||
    typeof d.currency !== 'string'
  )
    throw new Error(`${event.type} ${event.id} is not a valid order`);
  return {
    orderId: d.orderId,
    amount: d.amount as number,
    currency: d.currency,
    description: d.description ?? null,
  };
}

/**
 * The consumer's handler, in the transaction that writes its inbox row. A created order gets a pending
 * record unless it has one (the unique order id absorbs duplicates whatever their event id); a cancelled
 * one stops its record if processing has not begun, or leaves a cancelled record if it came first.
 * `onReceived` (waking the worker) runs once the record is committed, so the worker's claim can see it.
 */
export function orderIntakeHandler(deps: OrderIntakePorts) {
  return async (tx: Queryable, event: CloudEvent, afterCommit: (fn: () => void) => void): Promise<void> => {
    const d = orderData(event);
    const at = deps.clock.now();
    const log = deps.logger.child({ orderId: d.orderId, traceId: event.traceid });
    if (event.type === 'orders.order.cancelled') {
      if (await deps.cancelIfPending(tx, d.orderId, at)) log.info('processing cancelled before it started');
      else
        await deps.insertReceived(
          tx,
          { id: newId('prc', deps.clock), ...recordOf(d, event), status: 'cancelled' },
          at,
        );
      return;
    }
    const fresh = await deps.insertReceived(
      tx,
      { id: newId('prc', deps.clock), ...recordOf(d, event), status: 'pending' },
      at,
    );
    if (fresh) {
      log.info('order received for processing');
      afterCommit(deps.onReceived);
    } else log.info({ eventId: event.id }, 'order already received; duplicate ignored');
  };
}

const recordOf = (d: OrderData, event: CloudEvent) => ({
  orderId: d.orderId,
  amountMinor: BigInt(d.amount),
  currency: d.currency,
  description: d.description,
  traceId: event.traceid ?? null,
});
