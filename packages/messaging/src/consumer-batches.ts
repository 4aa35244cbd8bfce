import { type CloudEvent, type GroupCommit, groupCommit } from '@strongbox/kernel';
import { isRetryable, withTransaction } from '@strongbox/postgres';
import { recordInbox } from '@strongbox/postgres/inbox';
import { HandlerFailed, splitsBatch } from './consumer-policy.ts';
import type { AfterCommit, ConsumerDeps, ConsumerSpec, Outcome } from './consumer-spec.ts';

/**
 * Events handled in one transaction at most. Events that arrive while a transaction runs wait for the
 * next one, so under load one BEGIN, one inbox INSERT and one COMMIT serve many events; when idle an event
 * is handled alone, at once.
 */
export const CONSUMER_BATCH_MAX = 64;

/**
 * Events that arrive together are handled in one transaction: one INSERT records them all in the inbox
 * (RETURNING says which are new), and each new one is handled in turn. One transaction at a time per
 * consumer and process, so batches of one process never wait on each other's locks. When a handler
 * throws, the batch is rolled back and split in halves until the failing event is alone, and only that
 * event is retried.
 */
export function handlerBatches(spec: ConsumerSpec, deps: ConsumerDeps): GroupCommit<CloudEvent, Outcome> {
  return groupCommit<CloudEvent, Outcome>({
    batchSizeMax: CONSUMER_BATCH_MAX,
    batchWaitMs: 0,
    flushesInFlightMax: 1,
    queueItemsMax: CONSUMER_BATCH_MAX * 4,
    weight: () => 1,
    splittable: splitsBatch,
    overloaded: (reason) =>
      new Error(`consumer ${spec.name} is ${reason === 'closed' ? 'stopping' : 'full'}`),
    flush: (events) => handleBatchOnce(spec, deps, events),
  });
}

/**
 * One transaction for the batch: the inbox rows (unless the consumer keeps none), then the new events'
 * handlers; after it, their callbacks: the after-commit ones if it committed, the others otherwise.
 */
async function handleBatchOnce(
  spec: ConsumerSpec,
  deps: ConsumerDeps,
  events: readonly CloudEvent[],
): Promise<Outcome[]> {
  let registered: Array<{ committed: () => void; notCommitted: (() => void) | undefined }> = [];
  const afterCommit: AfterCommit = (fn, ifNotCommitted) => {
    registered.push({ committed: fn, notCommitted: ifNotCommitted });
  };
  const settle = (committed: boolean) => {
    const callbacks = registered;
    registered = [];
    for (const c of callbacks) {
      try {
        (committed ? c.committed : c.notCommitted)?.();
      } catch (err) {
        deps.logger.error({ err, consumer: spec.name, committed }, 'after-commit work failed');
      }
    }
  };
  let outcomes: Outcome[];
  try {
    outcomes = await withTransaction(deps.pool, async (tx) => {
      // A retried transaction starts over: the callbacks of the run that did not commit are settled as such.
      settle(false);
      const ids = events.map((e) => e.id);
      // Without the inbox (a handler idempotent by itself) every event is new to the runtime.
      const fresh =
        spec.inbox === false ? new Set(ids) : await recordInbox(tx, spec.name, ids, deps.clock.now());
      // The same event twice in one batch: the first is handled (and takes the inbox row), the second is a
      // duplicate.
      const outcomes: Outcome[] = events.map((e) => (fresh.delete(e.id) ? 'handled' : 'duplicate'));
      const handled = events.filter((_, i) => outcomes[i] === 'handled');
      const { handleBatch } = spec;
      if (handleBatch) {
        if (handled.length > 0) await asHandlerFailure(() => handleBatch(tx, handled, afterCommit));
      } else {
        for (const event of handled) await asHandlerFailure(() => spec.handle(tx, event, afterCommit));
      }
      return outcomes;
    });
  } catch (err) {
    settle(false);
    throw err;
  }
  settle(true);
  return outcomes;
}

async function asHandlerFailure(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    // A deadlock or serialization failure is the transaction's, not the event's: withTransaction runs the
    // whole batch again.
    if (isRetryable(err)) throw err;
    throw new HandlerFailed(err);
  }
}
