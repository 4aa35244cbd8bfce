import { type Clock, type CloudEvent, cloudEvent } from '@strongbox/kernel';
import type { Order } from '../domain/order.ts';
import type { OrderEventType } from '../domain/saga.ts';

export const SERVICE = 'orders';

/** The event about an order, carrying the order's trace id and its customer as the party. */
export function orderEvent(type: OrderEventType, o: Order, clock: Clock): CloudEvent {
  return cloudEvent(
    {
      service: SERVICE,
      type,
      subject: o.id,
      data: {
        orderId: o.id,
        customerId: o.customerId,
        accountId: o.accountId,
        merchantAccountId: o.merchantAccountId,
        amount: Number(o.amountMinor),
        currency: o.currency,
        description: o.description,
        items: o.items,
        status: o.status,
        holdTransferId: o.holdTransferId,
        failureReason: o.failureReason,
      },
      traceId: o.traceId,
      parties: [o.customerId],
    },
    clock,
  );
}
