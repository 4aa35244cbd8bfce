import { backoffMs, type Clock, type Logger } from '@strongbox/kernel';
import { BANK_TASK_BACKOFF } from '../../domain/bank-tasks.ts';
import { type PayoutFollowDeps, recordObservations } from '../bank-payouts/job.ts';
import type { LoggedNotification, NotificationOutcomes } from './ports.ts';

/** Upper bound of notifications one run processes. */
export const NOTIFICATIONS_PER_RUN_MAX = 100;
/** Runs one scheduled drain makes at most, so a flood still lets the job's lock go now and then. */
export const NOTIFICATION_RUNS_PER_DRAIN_MAX = 50;

/**
 * One scheduled run of the processor: runs back to back while they come back full. Without it the
 * processor takes NOTIFICATIONS_PER_RUN_MAX per schedule tick (50 a second at the default 2 s), fewer than
 * the endpoint stores, and a burst waits in the queue for minutes. Answers how many were processed.
 */
export async function drainNotifications(
  runOnce: () => Promise<number>,
  limit = NOTIFICATIONS_PER_RUN_MAX,
  runsMax = NOTIFICATION_RUNS_PER_DRAIN_MAX,
): Promise<number> {
  let total = 0;
  for (let run = 0; run < runsMax; run++) {
    const processed = await runOnce();
    total += processed;
    if (processed < limit) break;
  }
  return total;
}

/** The notifications that say a step's payments moved; the others need nothing beyond the log. */
const PAYMENT_TYPES = new Set([
  'PAYMENT_SUCCEEDED',
  'PAYMENT_FAILED',
  'STEP_PAYMENT_STARTED',
  'STEP_PAYMENT_COMPLETED',
  'STEP_PAYMENT_FAILED',
]);

export interface NotificationProcessingDeps extends PayoutFollowDeps {
  readonly outcomes: NotificationOutcomes;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
}

/**
 * One run of the processor of logged notifications: a payment's or a step's notification makes deals ask
 * the bank for that step's payments now and record them as the payout follower does. The notification is
 * a hint, never the truth: what is recorded is the bank's answer, so a late, repeated or reordered one
 * changes nothing, and a lost one is made up for by the follower's polling. A failure is retried from the
 * log with a growing delay. Answers how many were processed.
 */
export async function processNotifications(
  deps: NotificationProcessingDeps,
  limit = NOTIFICATIONS_PER_RUN_MAX,
): Promise<number> {
  let processed = 0;
  for (const n of await deps.outcomes.due(deps.clock.now(), limit)) {
    try {
      await processOne(deps, n);
      await deps.outcomes.processed(n.notificationId, deps.clock.now());
      processed++;
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const next = new Date(
        deps.clock.now().getTime() + backoffMs(n.attempts + 1, BANK_TASK_BACKOFF, deps.random),
      );
      deps.logger.warn({ notificationId: n.notificationId, reason }, 'bank notification processing failed');
      await deps.outcomes.failed(n.notificationId, next, reason);
    }
  }
  return processed;
}

async function processOne(deps: NotificationProcessingDeps, n: LoggedNotification): Promise<void> {
  const body = parse(n.rawBody);
  if (!body || !PAYMENT_TYPES.has(body.type)) return;
  const stepId = body.type.startsWith('STEP_') ? body.objectId : body.stepId;
  if (!stepId) return;
  await followStep(deps, stepId);
}

/**
 * Asks the bank for one step's payments and records each payout's outcome on its deal: what a payment
 * notification makes deals do, and what reconciliation does for a step whose notification never came.
 * Answers how many outcomes changed a deal.
 */
export async function followStep(deps: PayoutFollowDeps, bankStepId: string): Promise<number> {
  return recordObservations(deps, await deps.watch.observeStep(bankStepId));
}

function parse(raw: Buffer): { type: string; objectId?: string; stepId?: string } | undefined {
  try {
    const v = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    const data = (v['data'] ?? {}) as Record<string, unknown>;
    if (typeof v['type'] !== 'string') return undefined;
    return {
      type: v['type'],
      ...(typeof v['objectId'] === 'string' ? { objectId: v['objectId'] } : {}),
      ...(typeof data['stepId'] === 'string' ? { stepId: data['stepId'] } : {}),
    };
  } catch {
    // An authentic body that is not JSON is kept in the log; there is nothing to act on.
    return undefined;
  }
}
