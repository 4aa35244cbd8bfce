import { probeInboxTables } from '@strongbox/postgres/inbox';
import { handlerBatches } from './consumer-batches.ts';
import { consume, consumeDeadLettered, withPauseOnFailure } from './consumer-delivery.ts';
import { consumerMetrics } from './consumer-metrics.ts';
import {
  CONSUMER_ATTEMPTS_MAX_DEFAULT,
  CONSUMER_CONCURRENCY_DEFAULT,
  CONSUMER_RETRY_BACKOFF,
  limitProblems,
} from './consumer-policy.ts';
import type { ConsumerContext, ConsumerDeps, ConsumerSpec, RunningConsumer } from './consumer-spec.ts';
import { scheduleInboxPurge } from './inbox-retention.ts';
import { subscriptionProblems } from './topic.ts';

// The consumer runtime in parts: the batch loop (consumer-batches.ts), each delivery's retry or
// dead-letter decision (consumer-delivery.ts, consumer-dead-letter.ts) and its metrics
// (consumer-metrics.ts). This file starts and stops one consumer and is what the package exports.
export { CONSUMER_BATCH_MAX } from './consumer-batches.ts';
export { OUTCOME_FAILURE_PAUSE_MS } from './consumer-delivery.ts';
export type {
  AfterCommit,
  ConsumerDeps,
  ConsumerRouting,
  ConsumerSpec,
  RunningConsumer,
} from './consumer-spec.ts';

/**
 * Consumes events with exactly-once effects: the handler's effect and the inbox row (consumer, event id)
 * commit together, so a redelivered event finds its row and changes nothing. A handler that throws is
 * retried with jittered backoff up to `attemptsMax` attempts, then the event is dead-lettered with the
 * error, the attempt count and the time.
 *
 * @example
 * await startConsumer({ name: 'webhooks.fanout', eventTypes: ['#'], handle: (tx, e) => enqueue(tx, e) }, deps);
 */
export async function startConsumer(spec: ConsumerSpec, deps: ConsumerDeps): Promise<RunningConsumer> {
  const attemptsMax = spec.attemptsMax ?? CONSUMER_ATTEMPTS_MAX_DEFAULT;
  const concurrency = spec.concurrency ?? CONSUMER_CONCURRENCY_DEFAULT;
  const problems = [
    ...subscriptionProblems(spec.name, spec.eventTypes, { adjustable: spec.adjustable !== undefined }),
    ...limitProblems(attemptsMax, concurrency),
  ];
  if (problems.length > 0) throw new Error(`consumer ${spec.name}: ${problems.join('; ')}`);
  await probeInboxTables(deps.pool).catch((err) => {
    throw new Error(
      `consumer ${spec.name}: inbox or dead_letters is missing; apply POSTGRES_MODULES.inbox and .deadletters`,
      { cause: err },
    );
  });
  const ctx: ConsumerContext = {
    spec,
    deps,
    attemptsMax,
    backoff: spec.backoff ?? CONSUMER_RETRY_BACKOFF,
    random: deps.random ?? Math.random,
    log: deps.logger.child({ component: 'consumer', consumer: spec.name }),
    metrics: consumerMetrics(spec.name, deps),
    batches: handlerBatches(spec, deps),
  };
  const subscriber = await deps.transport.subscribe(
    {
      name: spec.name,
      eventTypes: spec.eventTypes,
      concurrency,
      ...(spec.adjustable ? { adjustable: true } : {}),
    },
    {
      onMessage: (delivery) => withPauseOnFailure(ctx, () => consume(ctx, delivery)),
      onDeadLettered: (body, info) => withPauseOnFailure(ctx, () => consumeDeadLettered(ctx, body, info)),
    },
  );
  if (spec.adjustable) {
    // The patterns the service's data calls for are in place before the consumer counts as started.
    await spec.adjustable
      .attach({ setEventTypes: (eventTypes, change) => subscriber.setEventTypes(eventTypes, change) })
      .catch(async (err: unknown) => {
        await subscriber.stop();
        await ctx.batches.close();
        throw err;
      });
  }
  const retention = scheduleInboxPurge({
    consumer: spec.name,
    pool: deps.pool,
    clock: deps.clock,
    log: ctx.log,
  });
  const removeProbes = ctx.metrics.addProbes();
  ctx.log.info({ eventTypes: spec.eventTypes, concurrency, attemptsMax }, 'consumer started');
  return {
    async stop() {
      removeProbes();
      retention.stop();
      await subscriber.stop();
      await ctx.batches.close();
    },
  };
}
