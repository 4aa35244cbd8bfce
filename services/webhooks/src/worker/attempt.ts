import type { Logger } from '@strongbox/http';
import { type Clock, newId } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';
import { decideAfterAttempt, decideEndpointHealth } from '../domain/schedule.ts';
import { signingSecrets } from '../domain/secrets.ts';
import type { AllowList } from '../infra/address-policy.ts';
import { type ClaimedDelivery, insertAttempt, settleDelivery } from '../infra/attempts.ts';
import { disableEndpoint, findEndpointForUpdate, setFailingSince } from '../infra/endpoints.ts';
import { type SendOutcome, sendWebhook } from '../infra/http-sender.ts';
import { recordAttemptMetrics, type WebhookMetrics } from '../infra/metrics.ts';
import type { SecretBox } from '../infra/secret-box.ts';
import { signedHeaders } from '../infra/signer.ts';
import { checkTarget, type Resolver } from '../infra/target-check.ts';

export interface AttemptDeps {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  /** WEBHOOK_ALLOWED_HOSTS as it is now: a target is checked again before every attempt. */
  readonly allow: AllowList;
  readonly resolve: Resolver;
  readonly timeoutMs: number;
  /** Opens the endpoints' stored signing secrets (ADR 0027). */
  readonly secrets: SecretBox;
  /** After an endpoint was disabled for failing: its event types may no longer be needed (ADR 0046). */
  readonly afterDisable?: () => Promise<void>;
}

/**
 * Makes one attempt of a claimed delivery: check the target again (DNS may have changed since
 * registration), sign, send to the vetted address, then record the attempt, the retry decision and the
 * endpoint's health in one transaction. A refused target is a failed attempt like any other: it is
 * recorded, retried on the schedule, and counts towards disabling the endpoint.
 */
export async function attemptDelivery(deps: AttemptDeps, c: ClaimedDelivery): Promise<SendOutcome> {
  const attemptedAt = deps.clock.now();
  const started = performance.now();
  const target = await checkTarget(c.url, deps.allow, deps.resolve);
  const outcome: SendOutcome = target.ok
    ? await sendWebhook({
        url: target.url,
        address: target.address,
        headers: signedHeaders(
          { webhookId: c.eventId, timestamp: attemptedAt, body: c.payload },
          signingSecrets(c, attemptedAt),
        ),
        body: c.payload,
        timeoutMs: deps.timeoutMs,
      })
    : { result: 'blocked', responseStatus: null, responseBody: null, error: target.problem };
  const durationMs = Math.round(performance.now() - started);
  const next = decideAfterAttempt({ attemptsMade: c.scheduleAttempt, attemptedAt, result: outcome.result });

  const disabled = await withTransaction(deps.pool, async (tx) => {
    // The endpoint is locked before the delivery, the same order as disabling takes, so they cannot deadlock.
    const endpoint = await findEndpointForUpdate(tx, c.endpointId, deps.secrets);
    await insertAttempt(tx, {
      id: newId('wha', deps.clock),
      deliveryId: c.id,
      number: c.attemptNumber,
      attemptedAt,
      durationMs,
      ...outcome,
    });
    const held = await settleDelivery(tx, { id: c.id, attemptNumber: c.attemptNumber }, next, attemptedAt);
    if (!endpoint || !held || endpoint.status !== 'enabled') return false;
    const health = decideEndpointHealth({
      failingSince: endpoint.failingSince,
      result: outcome.result,
      attemptedAt,
    });
    if (health.disable) {
      await disableEndpoint(tx, endpoint.id, 'failing', attemptedAt, deps.secrets);
      return true;
    }
    if (health.failingSince?.getTime() !== endpoint.failingSince?.getTime())
      await setFailingSince(tx, endpoint.id, health.failingSince);
    return false;
  });

  recordAttemptMetrics(deps.metrics, {
    result: outcome.result,
    durationMs,
    deliveredAfterMs:
      outcome.result === 'succeeded' ? attemptedAt.getTime() - c.createdAt.getTime() + durationMs : undefined,
  });
  const log = deps.logger.child({
    traceId: c.traceId ?? undefined,
    deliveryId: c.id,
    endpointId: c.endpointId,
  });
  log.info(
    {
      attempt: c.attemptNumber,
      result: outcome.result,
      responseStatus: outcome.responseStatus,
      durationMs,
      next: next.status,
    },
    'webhook attempt',
  );
  if (disabled) {
    log.warn('webhook endpoint disabled after failing for 5 days');
    await deps.afterDisable?.();
  }
  return outcome;
}
