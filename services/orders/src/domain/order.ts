/**
 * An order and the state of its saga. The saga is a persisted process manager (ADR 0015): this record is
 * its whole memory, so any instance can pick an order up after a crash and carry on from here.
 */
export const ORDER_STATUSES = [
  'pending',
  'reserved',
  'processing',
  'completed',
  'failed',
  'cancelled',
  'rejected',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const TERMINAL: ReadonlySet<OrderStatus> = new Set(['completed', 'failed', 'cancelled', 'rejected']);
export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL.has(status);
}

export const ITEMS_MAX = 100;

export interface OrderItem {
  readonly name: string;
  readonly quantity: number;
  readonly amount?: number;
}

/**
 * How the hold must end, once decided: captured (the processor succeeded) or released (it failed, the
 * customer cancelled, or the deadline passed). Once set it never changes; the order turns terminal when
 * balance has done it.
 */
export type Resolution =
  | { readonly kind: 'capture' }
  | { readonly kind: 'release'; readonly outcome: 'failed' | 'cancelled'; readonly reason: string | null };

export interface HistoryEntry {
  readonly status: OrderStatus;
  readonly at: string;
  readonly reason: string | null;
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly accountId: string;
  readonly merchantAccountId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly description: string | null;
  readonly items: readonly OrderItem[];
  readonly status: OrderStatus;
  readonly holdTransferId: string | null;
  readonly failureReason: string | null;
  readonly resolution: Resolution | null;
  /** The trace id of the POST that created the order: on every log line, call and event about it. */
  readonly traceId: string;
  /** A hold not resolved by then is released (`processing_timeout`). */
  readonly processingDeadline: Date | null;
  /** Failed attempts at the current step, for backoff; reset when the saga moves on. */
  readonly stepAttempts: number;
  readonly lastError: string | null;
  /** When the timer should look at this order next; null once it is terminal. */
  readonly nextStepAt: Date | null;
  readonly history: readonly HistoryEntry[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /**
   * How many times the stored order was written since it was created (the database adds one on every
   * write). Decisions carry it over unchanged; the runner guards a write decided without the row lock
   * with it (ADR 0043).
   */
  readonly version: number;
}

/** What a customer asks for; everything else about a new order is decided here. */
export interface OrderRequest {
  readonly id: string;
  readonly customerId: string;
  readonly accountId: string;
  readonly merchantAccountId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly description: string | null;
  readonly items: readonly OrderItem[];
  readonly traceId: string;
}

/** A new order: pending, holding nothing yet, due for its first step (the hold) at once. */
export function newOrder(r: OrderRequest, now: Date): Order {
  return {
    ...r,
    items: [...r.items],
    status: 'pending',
    holdTransferId: null,
    failureReason: null,
    resolution: null,
    processingDeadline: null,
    stepAttempts: 0,
    lastError: null,
    nextStepAt: now,
    history: [{ status: 'pending', at: now.toISOString(), reason: null }],
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
}

export const STAFF_ROLES = ['operator', 'admin', 'service'] as const;

/** Staff see every order; anyone else only their own (another's answers 404, brief §6). */

export function canSeeOrder(caller: { sub: string; roles: readonly string[] }, order: Order): boolean {
  return (
    caller.sub === order.customerId ||
    caller.roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r))
  );
}

export function orderView(o: Order) {
  return {
    id: o.id,
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
    traceId: o.traceId,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    history: o.history,
  };
}
export type OrderView = ReturnType<typeof orderView>;
