import type { Logger } from '@strongbox/http';
import { type Clock, type CloudEvent, newId } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';
import { cancelIfPending, insertReceived } from './records-sql.ts';

/** The consumer's name: its queue on RabbitMQ, its subscription on PostgreSQL, its inbox key. */
export const CONSUMER_NAME = 'processor';
export const CONSUMED_EVENT_TYPES = ['orders.order.created', 'orders.order.cancelled'] as const;

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
export function intake(deps: { clock: Clock; logger: Logger; onReceived: () => void }) {
  return async (tx: Queryable, event: CloudEvent, afterCommit: (fn: () => void) => void): Promise<void> => {
    const d = orderData(event);
    const at = deps.clock.now();
    const log = deps.logger.child({ orderId: d.orderId, traceId: event.traceid });
    if (event.type === 'orders.order.cancelled') {
      if (await cancelIfPending(tx, d.orderId, at)) log.info('processing cancelled before it started');
      else
        await insertReceived(
          tx,
          { id: newId('prc', deps.clock), ...recordOf(d, event), status: 'cancelled' },
          at,
        );
      return;
    }
    const fresh = await insertReceived(
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
