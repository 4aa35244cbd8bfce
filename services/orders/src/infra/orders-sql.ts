import type { CloudEvent } from '@strongbox/kernel';
import { outboxInsert, prepared, type Queryable } from '@strongbox/postgres';
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
  version: number;
}

/** Named, not `*`: a prepared `select *` fails once a migration adds a column under a running instance. */
const ORDER_COLUMNS = `id, customer_id, account_id, merchant_account_id, amount, currency, description, items, status,
  hold_transfer_id, failure_reason, resolution, trace_id, processing_deadline, step_attempts, last_error,
  next_step_at, history, created_at, updated_at, version`;

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
    version: r.version,
  };
}

const INSERT_COLUMNS = `id, customer_id, account_id, merchant_account_id, amount, currency, description,
       items, status, hold_transfer_id, failure_reason, resolution, trace_id, processing_deadline,
       step_attempts, last_error, next_step_at, history, created_at, updated_at, version`;
const INSERT_COLUMNS_COUNT = 21;
/** `$first, $first + 1, …`: one parameter per inserted column. */
const placeholders = (first: number) =>
  Array.from({ length: INSERT_COLUMNS_COUNT }, (_, i) => `$${first + i}`).join(', ');

function insertValues(o: Order): unknown[] {
  return [
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
    o.version,
  ];
}

const INSERT_SQL = `insert into orders (${INSERT_COLUMNS}) values (${placeholders(1)})`;

export async function insertOrder(db: Queryable, o: Order): Promise<void> {
  await db.query(prepared(INSERT_SQL, insertValues(o)));
}

/**
 * The insert of a new order as the work of a keyed statement (runIdempotentStatement): the order is
 * inserted only where `recorded` holds, its values numbered from `first`.
 */
export function insertOrderWhere(
  o: Order,
  first: number,
): { sql: (recorded: string) => string; values: unknown[] } {
  const select = `insert into orders (${INSERT_COLUMNS}) select ${placeholders(first)}`;
  return { sql: (recorded) => `${select} where ${recorded}`, values: insertValues(o) };
}

/** The columns a saga step changes, as $2…$11 after the id ($1); `version` is the trigger's to bump. */
const SAVE_SET = `status = $2, hold_transfer_id = $3, failure_reason = $4, resolution = $5,
       processing_deadline = $6, step_attempts = $7, last_error = $8, next_step_at = $9, history = $10,
       updated_at = $11`;

function saveValues(o: Order): unknown[] {
  return [
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
  ];
}

/**
 * Writes the saga's state after a decision; the caller holds the row lock (findOrderForUpdate). Answers
 * the version the write gave the order (the trigger of 0002-order-version.sql adds one).
 */
export async function saveOrder(db: Queryable, o: Order): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    prepared(`update orders set ${SAVE_SET} where id = $1 returning version`, saveValues(o)),
  );
  const saved = rows[0];
  if (!saved) throw new Error(`the order ${o.id} is locked by this transaction but was not found`);
  return saved.version;
}

const SAVE_IF_VERSION = `update orders set ${SAVE_SET} where id = $1 and version = $12 returning version`;
/**
 * The guarded write and its events in one statement. The insert reads `saved`, so it runs only once the
 * update has locked and written the row, and only if it did: the events draw their outbox positions
 * after the order's row lock, as appendOutbox's are after the lock the transaction took (ADR 0008).
 */
const SAVE_IF_VERSION_WITH_EVENTS = `with saved as (${SAVE_IF_VERSION}),
  appended as (${outboxInsert([], 13, 'exists (select 1 from saved)').sql})
  select version from saved`;

/**
 * Writes the saga's state after a decision made without the row lock on the order as it was at version
 * `decidedOn`, together with the decision's events, in one statement outside any transaction block: it
 * writes nothing unless the stored order is still at that version. Answers the new version, or undefined
 * when the order was changed meanwhile (or does not exist); then nothing was written, no event either.
 */
export async function saveOrderIfVersion(
  db: Queryable,
  o: Order,
  decidedOn: number,
  events: readonly CloudEvent[],
): Promise<number | undefined> {
  const values = [...saveValues(o), decidedOn];
  const { rows } = await db.query<{ version: number }>(
    events.length === 0
      ? prepared(SAVE_IF_VERSION, values)
      : prepared(SAVE_IF_VERSION_WITH_EVENTS, [...values, ...outboxInsert(events, 13).params]),
  );
  return rows[0]?.version;
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
