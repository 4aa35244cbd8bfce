import { type Clock, type CloudEvent, type Logger, newId } from '@strongbox/kernel';
import type { AfterCommit } from '@strongbox/messaging';
import type { Queryable } from '@strongbox/postgres';
import type { NewRecord, ProcessingRecord } from '../../domain/processing.ts';

/** The consumer's name: its queue on RabbitMQ, its subscription on PostgreSQL, its inbox key. */
export const CONSUMER_NAME = 'processor';
export const CONSUMED_EVENT_TYPES = ['orders.order.created', 'orders.order.cancelled'] as const;

/** A processing record as intake first writes it, pending or cancelled. */
export type ReceivedRecord = NewRecord & { readonly status: 'pending' | 'cancelled' };

/** A slot of this process's worker, held while intake claims a record in its transaction (ADR 0044). */
export interface IntakeSlot {
  /** The record's claim committed: its first attempt runs in the slot. */
  run(record: ProcessingRecord): void;
  /** The claim did not commit, or the order had a record already: the slot is free again. */
  release(): void;
}

/** What intake needs: the clock, the log, the worker's slots and wake-up, and its queries (infra/records-sql.ts). */
export interface OrderIntakePorts {
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a record claimed at intake is leased to this process (PROCESSOR_LEASE_MS, as a claim's). */
  readonly leaseMs: number;
  /** A free slot of the worker, or undefined when none is (the record is then left pending). */
  reserveSlot(): IntakeSlot | undefined;
  /** Runs once a new pending record has committed, so the worker's claim can see it. */
  readonly onReceived: () => void;
  /** Records a received order; answers false when the order already has a record. */
  insertReceived(tx: Queryable, r: ReceivedRecord, at: Date): Promise<boolean>;
  /**
   * Records a received order with its first attempt begun as it was received (`r`, as a claim would leave
   * it) and leased until `leaseUntil`, and its `processor.order.started` event; answers false (and writes
   * nothing) when the order already has a record.
   */
  insertStarted(tx: Queryable, r: ProcessingRecord, leaseUntil: Date): Promise<boolean>;
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
 * The consumer's handler, in the transaction that writes its inbox row. A created order gets a record
 * unless it has one (the unique order id absorbs duplicates whatever their event id). When the worker has
 * a free slot, the record is written claimed by this process, its first attempt begun and leased, with its
 * `started` event, and the attempt runs in that slot once the transaction has committed (ADR 0044); the
 * slot is held before the insert, so concurrent intakes never overfill the worker, and given back if the
 * transaction does not commit or the order had a record. Without a free slot the record is pending and the
 * worker, woken after the commit, claims it. A cancelled order stops its record if processing has not
 * begun, or leaves a cancelled record if it came first.
 */
export function orderIntakeHandler(deps: OrderIntakePorts) {
  return async (tx: Queryable, event: CloudEvent, afterCommit: AfterCommit): Promise<void> => {
    const d = orderData(event);
    const at = deps.clock.now();
    const log = deps.logger.child({ orderId: d.orderId, traceId: event.traceid });
    const id = newId('prc', deps.clock);
    if (event.type === 'orders.order.cancelled') {
      if (await deps.cancelIfPending(tx, d.orderId, at)) log.info('processing cancelled before it started');
      else await deps.insertReceived(tx, { id, ...recordOf(d, event), status: 'cancelled' }, at);
      return;
    }
    const slot = deps.reserveSlot();
    if (slot) {
      const record = startedRecord(id, recordOf(d, event), at);
      let fresh = false;
      // Registered before the insert, so that whatever fails from here on gives the slot back.
      afterCommit(
        () => (fresh ? slot.run(record) : undefined),
        () => slot.release(),
      );
      fresh = await deps.insertStarted(tx, record, new Date(at.getTime() + deps.leaseMs));
      if (fresh) log.info('order received; processing started');
      else {
        slot.release();
        log.info({ eventId: event.id }, 'order already received; duplicate ignored');
      }
      return;
    }
    const fresh = await deps.insertReceived(tx, { id, ...recordOf(d, event), status: 'pending' }, at);
    if (fresh) {
      log.info('order received for processing; no slot of the worker is free, so it waits for a claim');
      afterCommit(deps.onReceived);
    } else log.info({ eventId: event.id }, 'order already received; duplicate ignored');
  };
}

/** The record as its first attempt leaves it: what claimDue would answer, known without reading it back. */
const startedRecord = (id: string, r: ReturnType<typeof recordOf>, at: Date): ProcessingRecord => ({
  id,
  ...r,
  status: 'processing',
  attempts: 1,
  lastError: null,
  receivedAt: at,
  startedAt: at,
  finishedAt: null,
});

const recordOf = (d: OrderData, event: CloudEvent) => ({
  orderId: d.orderId,
  amountMinor: BigInt(d.amount),
  currency: d.currency,
  description: d.description,
  traceId: event.traceid ?? null,
});
