import type { CloudEvent, Logger } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';
import type { Order } from '../../domain/order.ts';
import type { Decision, SagaInput } from '../../domain/saga.ts';

/** The consumer of processor events: its queue on RabbitMQ, its subscription on PostgreSQL, its inbox key. */
export const CONSUMER_NAME = 'orders';
/** The processor events the saga consumes. */
export const CONSUMED_EVENT_TYPES = ['processor.order.started', 'processor.order.processed'] as const;

/** What the handler needs of the saga (infra/saga-runner.ts). */
export interface ProcessingOutcomePorts {
  readonly logger: Logger;
  /** Applies one input to the order inside the consumer's transaction (row-locked). */
  applyIn(tx: Queryable, orderId: string, input: SagaInput): Promise<Decision | undefined>;
  /** Runs the order's next steps in the background, from the state just decided. */
  kick(order: Order): void;
}

export type ProcessorEventHandler = (
  tx: Queryable,
  event: CloudEvent,
  afterCommit: (fn: () => void) => void,
) => Promise<void>;

/**
 * The consumer's handler for processor events: the saga learns that processing started or ended, in the
 * transaction that writes the inbox row. `afterCommit` runs the next step once that transaction has
 * committed, so the step sees it. An event that names no order or an unknown status is a poison message:
 * throwing retries it, then it lands in the dead letters.
 */
export function processingOutcomeHandler(ports: ProcessingOutcomePorts): ProcessorEventHandler {
  const { logger } = ports;
  return async (tx, event, afterCommit) => {
    const { orderId, input } = sagaInputOf(event);
    const d = await ports.applyIn(tx, orderId, input);
    if (!d) {
      logger.warn({ orderId, eventId: event.id, traceId: event.traceid }, 'event about an unknown order');
      return;
    }
    if (d.kind === 'changed') {
      const decided = d.order;
      afterCommit(() => ports.kick(decided));
    } else
      logger.info(
        { orderId, traceId: event.traceid, why: d.kind === 'ignored' ? d.why : d.code },
        `${event.type} ignored`,
      );
  };
}

/** What a processor event tells the saga; throws for an event it cannot read. */
function sagaInputOf(event: CloudEvent): { orderId: string; input: SagaInput } {
  const data = event.data as { orderId?: unknown; status?: unknown; error?: unknown } | null;
  const orderId = data?.orderId;
  if (typeof orderId !== 'string') throw new Error(`${event.type} ${event.id} carries no orderId`);
  if (event.type === 'processor.order.started') return { orderId, input: { kind: 'processing_started' } };
  if (data?.status === 'completed') return { orderId, input: { kind: 'processed', outcome: 'completed' } };
  if (data?.status === 'failed')
    return {
      orderId,
      input: { kind: 'processed', outcome: 'failed', error: String(data.error ?? 'processing_failed') },
    };
  throw new Error(`${event.type} ${event.id} has an unknown status`);
}
