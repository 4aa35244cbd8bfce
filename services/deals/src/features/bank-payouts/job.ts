import type { Logger } from '@strongbox/kernel';
import type { DealCommand } from '../../domain/decide.ts';
import type { DealStore } from '../bank-tasks/ports.ts';
import type { PayoutObservation, PayoutWatch } from './ports.ts';

/** Upper bound of steps one run polls: each is one call to the bank. */
export const STEPS_PER_RUN_MAX = 50;

export interface PayoutFollowDeps {
  readonly watch: PayoutWatch;
  readonly deals: DealStore;
  readonly logger: Logger;
}

/**
 * One run of the payout follower (leader-locked): the bank's outcome of each payout in flight becomes
 * payout_completed or payout_failed on its deal, then is acknowledged. A crash in between observes it again
 * and the command adds nothing the second time, so it never depends on a notification arriving.
 * Answers how many outcomes were recorded.
 */
export async function followPayouts(deps: PayoutFollowDeps, stepLimit = STEPS_PER_RUN_MAX): Promise<number> {
  return recordObservations(deps, await deps.watch.observe(stepLimit));
}

/** Records each observation on its deal, then acknowledges it; answers how many changed a deal. */
export async function recordObservations(
  deps: PayoutFollowDeps,
  observations: readonly PayoutObservation[],
): Promise<number> {
  let recorded = 0;
  for (const o of observations) {
    const command = commandOf(o);
    if (command) {
      const { refused } = await deps.deals.record(o.dealId, command, null);
      if (refused) {
        deps.logger.warn({ dealId: o.dealId, payoutId: o.payoutId, refused }, 'payout outcome refused');
        continue;
      }
      recorded++;
    }
    await deps.watch.acknowledge(o);
  }
  return recorded;
}

function commandOf(o: PayoutObservation): DealCommand | undefined {
  switch (o.status) {
    case 'SUCCEEDED':
      return { kind: 'payout_completed', payoutId: o.payoutId };
    case 'FAILED':
      return { kind: 'payout_failed', payoutId: o.payoutId, reason: o.reason ?? 'the bank did not say why' };
    case 'IN_PROGRESS':
      return undefined;
    default: {
      const unreachable: never = o.status;
      throw new Error(`unknown payment status ${String(unreachable)}`);
    }
  }
}
