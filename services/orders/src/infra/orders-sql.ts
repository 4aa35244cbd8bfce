import { prepared, type Queryable } from '@strongbox/postgres';
import type { HistoryEntry, Order, OrderItem, OrderStatus, Resolution } from '../domain/order.ts';

/** Narrow, named queries over the orders table; each takes the pool or one transaction. */

interface OrderRow {
  id: string;
  customer_id: string;
  account_id: string;
  merchant_account_id: string;
  amount: string;
  currency: string;
  description: string | null;
  items: OrderItem[];
  status: OrderStatus;
  hold_transfer_id: string | null;
  failure_reason: string | null;
  resolution: Resolution | null;
  trace_id: string;
  processing_deadline: Date | null;
  step_attempts: number;
  last_error: string | null;
  next_step_at: Date | null;
  history: HistoryEntry[];
  created_at: Date;
  updated_at: Date;
}

/** Named, not `*`: a prepared `select *` fails once a migration adds a column under a running instance. */
const ORDER_COLUMNS = `id, customer_id, account_id, merchant_account_id, amount, currency, description, items, status,
  hold_transfer_id, failure_reason, resolution, trace_id, processing_deadline, step_attempts, last_error,
  next_step_at, history, created_at, updated_at`;

function fromRow(r: OrderRow): Order {
  return {
    id: r.id,
    customerId: r.customer_id,
    accountId: r.account_id,
    merchantAccountId: r.merchant_account_id,
    amountMinor: BigInt(r.amount),
    currency: r.currency,
    description: r.description,
    items: r.items,
    status: r.status,
    holdTransferId: r.hold_transfer_id,
    failureReason: r.failure_reason,
    resolution: r.resolution,
    traceId: r.trace_id,
    processingDeadline: r.processing_deadline,
    stepAttempts: r.step_attempts,
    lastError: r.last_error,
    nextStepAt: r.next_step_at,
    history: r.history,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function insertOrder(db: Queryable, o: Order): Promise<void> {
  await db.query(
    prepared(
      `insert into orders (id, customer_id, account_id, merchant_account_id, amount, currency, description,
       items, status, hold_transfer_id, failure_reason, resolution, trace_id, processing_deadline,
       step_attempts, last_error, next_step_at, history, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
      [
        o.id,
        o.customerId,
        o.accountId,
        o.merchantAccountId,
        String(o.amountMinor),
        o.currency,
        o.description,
        JSON.stringify(o.items),
        o.status,
        o.holdTransferId,
        o.failureReason,
        o.resolution ? JSON.stringify(o.resolution) : null,
        o.traceId,
        o.processingDeadline,
        o.stepAttempts,
        o.lastError,
        o.nextStepAt,
        JSON.stringify(o.history),
        o.createdAt,
        o.updatedAt,
      ],
    ),
  );
}

/** Writes the saga's state after a decision; the caller holds the row lock (findOrderForUpdate). */
export async function saveOrder(db: Queryable, o: Order): Promise<void> {
  await db.query(
    prepared(
      `update orders set status = $2, hold_transfer_id = $3, failure_reason = $4, resolution = $5,
       processing_deadline = $6, step_attempts = $7, last_error = $8, next_step_at = $9, history = $10,
       updated_at = $11
     where id = $1`,
      [
        o.id,
        o.status,
        o.holdTransferId,
        o.failureReason,
        o.resolution ? JSON.stringify(o.resolution) : null,
        o.processingDeadline,
        o.stepAttempts,
        o.lastError,
        o.nextStepAt,
        JSON.stringify(o.history),
        o.updatedAt,
      ],
    ),
  );
}

export async function findOrder(db: Queryable, id: string): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(
    prepared(`select ${ORDER_COLUMNS} from orders where id = $1`, [id]),
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function findOrderForUpdate(db: Queryable, id: string): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(
    prepared(`select ${ORDER_COLUMNS} from orders where id = $1 for update`, [id]),
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The customer's orders, newest first, optionally of one status; `limit + 1` rows tell if a page follows. */
export async function listOrdersOf(
  db: Queryable,
  customerId: string,
  filter: { status: OrderStatus | undefined; beforeId: string | undefined },
  limit: number,
): Promise<Order[]> {
  const { rows } = await db.query<OrderRow>(
    `select * from orders
      where customer_id = $1 and ($2::text is null or status = $2) and ($3::text is null or id < $3)
      order by id desc limit $4`,
    [customerId, filter.status ?? null, filter.beforeId ?? null, limit + 1],
  );
  return rows.map(fromRow);
}

/** Orders whose timer is due: a step to retry or resume, or a processing deadline to check. */
export async function dueOrderIds(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'select id from orders where next_step_at <= $1 order by next_step_at limit $2',
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/** For the readiness metric: orders not yet terminal. */
export async function countOpenOrders(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from orders where next_step_at is not null',
  );
  return rows[0]?.n ?? 0;
}
