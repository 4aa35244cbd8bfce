import type { Clock, IdempotentOutcome, IdempotentRequest, StoredResponse } from '@strongbox/kernel';
import type { Order, OrderStatus } from './domain/order.ts';
import type { Decision, SagaInput } from './domain/saga.ts';

export type HoldResult =
  | { readonly kind: 'held'; readonly transferId: string }
  | { readonly kind: 'refused'; readonly code: string };
export type CaptureResult =
  | { readonly kind: 'captured' }
  | { readonly kind: 'refused'; readonly transferStatus: string };

/**
 * Balance as the saga sees it (infra/balance-client.ts). Every money call carries an Idempotency-Key
 * derived from the order and the step, so repeating one after a crash or a timeout moves nothing twice.
 * A call that cannot tell the outcome throws BalanceUnavailable.
 */
export interface BalanceClient {
  /** The account as the caller sees it (their own token): undefined when balance answers 404. */
  accountOf(
    accountId: string,
    bearer: string,
    traceId: string,
  ): Promise<{ ownerId: string; currency: string } | undefined>;
  placeHold(order: Order): Promise<HoldResult>;
  capture(order: Order, transferId: string): Promise<CaptureResult>;
  release(order: Order, transferId: string): Promise<void>;
  /** Closes the client's connections (at shutdown, after the last call). */
  close(): Promise<void>;
}

/** The account check of a new order: balance's answer, or one remembered (infra/account-cache.ts). */
export type AccountOf = BalanceClient['accountOf'];

/** What the use cases need from the outside world; app.ts wires it to PostgreSQL, balance and the saga. */
export interface OrdersPorts {
  readonly clock: Clock;
  readonly newOrderId: () => string;
  /** False when orders has no client credentials: it cannot move money, so it takes no orders. */
  readonly balanceConfigured: boolean;
  /** The account as the caller's token shows it, or as balance showed it lately (owner and currency). */
  readonly accountOf: AccountOf;
  findOrder(id: string): Promise<Order | undefined>;
  listOrders(
    customerId: string,
    filter: { status: OrderStatus | undefined; beforeId: string | undefined },
    limit: number,
  ): Promise<Order[]>;
  /** Inserts a new order under the request's Idempotency-Key; a replay answers the first response. */
  createOrder(
    req: IdempotentRequest,
    order: () => Order,
    render: (o: Order) => StoredResponse,
  ): Promise<IdempotentOutcome>;
  /** Applies one input to the order in its own transaction (row-locked); answers the decision. */
  applyInput(orderId: string, input: SagaInput): Promise<Decision | undefined>;
  /** Runs the saga's due steps for the order now (in the background is fine: the timer is the backstop). */
  drive(orderId: string, known?: Order): Promise<void>;
  /** Replays a stored answer for (scope, key), or records this one (first wins) for cancel. */
  rememberAnswer(req: IdempotentRequest, answer: () => Promise<StoredResponse>): Promise<IdempotentOutcome>;
}
