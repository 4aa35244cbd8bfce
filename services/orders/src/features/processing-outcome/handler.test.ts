/**
 * The handler on its own: which saga input each processor event becomes, and that the next step starts
 * only after the consumer's transaction commits. The saga it feeds is exercised against PostgreSQL and the
 * real balance in infra/saga-runner.int.test.ts; here its `applyIn` answers a chosen decision.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { cloudEvent, fixedClock } from '@strongbox/kernel';
import type { Queryable } from '@strongbox/postgres';
import { newOrder, type Order } from '../../domain/order.ts';
import type { Decision, SagaInput } from '../../domain/saga.ts';
import { CONSUMED_EVENT_TYPES, processingOutcomeHandler } from './handler.ts';

const clock = fixedClock(new Date('2026-03-01T12:00:00.000Z'));
const order: Order = newOrder(
  {
    id: 'ord_1',
    customerId: 'usr_1',
    accountId: 'acc_1',
    merchantAccountId: 'acc_2',
    amountMinor: 2_500n,
    currency: 'EUR',
    description: null,
    items: [{ name: 'book', quantity: 1 }],
    traceId: 'trace-1',
  },
  clock.now(),
);
const tx = {} as Queryable;

function harness(decision: Decision | undefined) {
  const applied: Array<{ orderId: string; input: SagaInput }> = [];
  const kicked: Order[] = [];
  const handle = processingOutcomeHandler({
    logger: createLogger({ service: 'orders', level: 'silent' }),
    applyIn: async (_tx, orderId, input) => {
      applied.push({ orderId, input });
      return decision;
    },
    kick: (o) => kicked.push(o),
  });
  const committed: Array<() => void> = [];
  const deliver = (type: string, data: unknown) =>
    handle(tx, cloudEvent({ service: 'processor', type, subject: 'ord_1', data }, clock), (fn) =>
      committed.push(fn),
    );
  const commit = () => {
    for (const fn of committed.splice(0)) fn();
  };
  return { applied, kicked, deliver, commit };
}

const changed: Decision = { kind: 'changed', order, events: [] };

describe('processing outcome handler', () => {
  it('consumes the processor events that tell the saga about processing', () => {
    assert.deepEqual(CONSUMED_EVENT_TYPES, ['processor.order.started', 'processor.order.processed']);
  });

  it('given processor.order.started, when handled, then the order learns that processing started and its next step runs only after commit', async () => {
    const h = harness(changed);
    await h.deliver('processor.order.started', { orderId: 'ord_1', processingId: 'prc_1' });
    assert.deepEqual(h.applied, [{ orderId: 'ord_1', input: { kind: 'processing_started' } }]);
    assert.deepEqual(h.kicked, [], 'nothing runs before the transaction commits');
    h.commit();
    assert.deepEqual(h.kicked, [order]);
  });

  it('given a completed or a failed outcome, when handled, then the saga gets that outcome with its error', async () => {
    const h = harness(changed);
    await h.deliver('processor.order.processed', { orderId: 'ord_1', status: 'completed' });
    await h.deliver('processor.order.processed', {
      orderId: 'ord_1',
      status: 'failed',
      error: 'card_declined',
    });
    await h.deliver('processor.order.processed', { orderId: 'ord_1', status: 'failed' });
    assert.deepEqual(
      h.applied.map((a) => a.input),
      [
        { kind: 'processed', outcome: 'completed' },
        { kind: 'processed', outcome: 'failed', error: 'card_declined' },
        { kind: 'processed', outcome: 'failed', error: 'processing_failed' },
      ],
    );
  });

  it('given an event about an unknown order or one the saga ignores, when handled, then no step is started', async () => {
    for (const decision of [undefined, { kind: 'ignored', why: 'terminal' } as const]) {
      const h = harness(decision);
      await h.deliver('processor.order.processed', { orderId: 'ord_1', status: 'completed' });
      h.commit();
      assert.equal(h.applied.length, 1);
      assert.deepEqual(h.kicked, []);
    }
  });

  it('given an event with no order id or an unknown status, when handled, then it throws so the consumer retries and dead-letters it', async () => {
    const h = harness(changed);
    await assert.rejects(
      h.deliver('processor.order.processed', { status: 'completed' }),
      /carries no orderId/,
    );
    await assert.rejects(
      h.deliver('processor.order.processed', { orderId: 'ord_1', status: 'lost' }),
      /has an unknown status/,
    );
    assert.deepEqual(h.applied, []);
  });
});
