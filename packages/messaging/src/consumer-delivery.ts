import { sleep } from '@strongbox/kernel';
import { deadLetter } from './consumer-dead-letter.ts';
import { decideAfterFailure, describeError, HandlerFailed, overDeliveryLimit } from './consumer-policy.ts';
import type { ConsumerContext } from './consumer-spec.ts';
import { parseEnvelope } from './envelope.ts';
import type { Delivery, Disposition } from './transport.ts';

/**
 * Pause before giving a message back when its outcome could not even be recorded (the database is down):
 * RabbitMQ would redeliver at once, and a tight loop helps nobody.
 */
export const OUTCOME_FAILURE_PAUSE_MS = 1_000;

/**
 * One delivery, start to finish: a body that is no event, or an event delivered beyond the attempt limit,
 * is dead-lettered at once; any other is handled in the next batch. A failed handler is retried after a
 * backoff or, once its attempts are spent, dead-lettered (decideAfterFailure says which).
 */
export async function consume(ctx: ConsumerContext, delivery: Delivery): Promise<Disposition> {
  const parsed = parseEnvelope(delivery.body);
  if (!parsed.ok) {
    await deadLetter(ctx, delivery.body, {
      reason: 'malformed',
      error: parsed.problem,
      attempts: delivery.attempt,
    });
    return { kind: 'ack' };
  }
  const event = parsed.event;
  // Built only when something is logged: a child logger per event is measurable at thousands per second.
  const log = () => ctx.log.child({ eventId: event.id, eventType: event.type, traceId: event.traceid });
  if (overDeliveryLimit(delivery.attempt, ctx.attemptsMax)) {
    const error = `delivered ${delivery.attempt} times without an outcome (the consumer died while handling it)`;
    await deadLetter(ctx, event, { reason: 'delivery_limit', error, attempts: delivery.attempt });
    log().error({ attempt: delivery.attempt }, 'event dead-lettered: delivery limit');
    return { kind: 'ack' };
  }
  ctx.metrics.observeAge(event);
  const timed = ctx.metrics.startTimer();
  try {
    const result = await ctx.batches.submit(event);
    timed(result);
    ctx.metrics.count(result);
    if (result === 'duplicate' && ctx.log.isLevelEnabled('debug'))
      log().debug('duplicate delivery; already handled');
    return { kind: 'ack' };
  } catch (caught) {
    const err = caught instanceof HandlerFailed ? caught.original : caught;
    timed('failed');
    const decision = decideAfterFailure(delivery.attempt, ctx.attemptsMax, ctx.backoff, ctx.random);
    if (decision.kind === 'retry') {
      ctx.metrics.count('retried');
      log().warn({ err, attempt: delivery.attempt, delayMs: decision.delayMs }, 'handler failed; will retry');
      return { kind: 'retry', delayMs: decision.delayMs };
    }
    await deadLetter(ctx, event, {
      reason: 'handler_failed',
      error: describeError(err),
      attempts: delivery.attempt,
    });
    log().error({ err, attempt: delivery.attempt }, 'handler failed; event dead-lettered');
    return { kind: 'ack' };
  }
}

/** What the broker itself set aside (its delivery limit) is recorded like any other dead letter. */
export async function consumeDeadLettered(
  ctx: ConsumerContext,
  body: unknown,
  info: { readonly attempts: number; readonly reason: string },
): Promise<void> {
  const error = `the broker dead-lettered the message (${info.reason}) after ${info.attempts} deliveries`;
  await deadLetter(ctx, body, { reason: 'delivery_limit', error, attempts: info.attempts });
}

/**
 * When even the outcome cannot be recorded (the database is unreachable), the message must come back
 * later rather than be acknowledged; a short pause first keeps a broker's immediate redelivery from
 * spinning.
 */
export async function withPauseOnFailure<T>(ctx: ConsumerContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    ctx.log.error({ err }, 'could not record the outcome; the message will be delivered again');
    await sleep(OUTCOME_FAILURE_PAUSE_MS);
    throw err;
  }
}
