import { decodeCursor, idKey } from '@strongbox/http';
import { orderErrors } from '../domain/errors.ts';
import { canSeeOrder, type Order } from '../domain/order.ts';
import type { OrdersPorts } from '../ports.ts';

/** Helpers the order routes share: access checks and the list's cursor. */

export interface Caller {
  readonly sub: string;
  readonly roles: readonly string[];
}

/** The order if the caller may see it; otherwise, whether it exists or not, 404 (brief §6). */
export async function visibleOrder(ports: OrdersPorts, caller: Caller, id: string): Promise<Order> {
  const o = await ports.findOrder(id);
  if (!o || !canSeeOrder(caller, o)) throw orderErrors.order_not_found(`No order ${id}`);
  return o;
}

/** Lists run newest first, by id: a cursor is the last id of a page. */
export function beforeIdOf(cursor: string | undefined): string | undefined {
  return decodeCursor(cursor, idKey(/^ord_[0-9a-f-]{36}$/));
}
