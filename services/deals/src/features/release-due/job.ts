import type { Clock, Logger } from '@strongbox/kernel';
import type { DealStore } from '../bank-tasks/ports.ts';
import type { DueReleases } from './ports.ts';

/** Deals one run releases at most; the rest wait for the next run, the longest overdue first. */
export const RELEASES_PER_RUN_MAX = 200;

export interface ReleaseDeps {
  readonly due: DueReleases;
  readonly deals: DealStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * One run of the release job (leader-locked): every deal with a timed milestone due gets `release_due`,
 * which releases what is due by now and nothing else (decide judges; the read model only says where to
 * look). A release is an event like any other, so its payouts follow through the bank tasks. Running
 * twice releases nothing twice: a released milestone is no longer due. Answers the deals it released.
 */
export async function runReleases(deps: ReleaseDeps, limit = RELEASES_PER_RUN_MAX): Promise<number> {
  let released = 0;
  for (const dealId of await deps.due.dueBy(deps.clock.now(), limit)) {
    const outcome = await deps.deals.record(dealId, { kind: 'release_due' }, null);
    if (outcome.refused) deps.logger.warn({ dealId, code: outcome.refused }, 'a due release was refused');
    else released++;
  }
  return released;
}
