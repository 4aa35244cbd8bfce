import type { Pool } from '@strongbox/postgres';
import { withTransaction } from '@strongbox/postgres';
import { decideScoring } from '../domain/beneficiary.ts';
import { dueScorings, setScoring } from './beneficiaries.ts';
import { enqueueNotification } from './notifications.ts';
import { advancePayments } from './payment-progress.ts';
import { advanceSelfEmployed } from './self-employed-progress.ts';
import type { Sim } from './sim.ts';

/** Objects one round moves on; the next round takes the rest. */
export const PROGRESS_BATCH_MAX = 100;

export interface ProgressSettings {
  readonly paymentStepMs: number;
}

/**
 * One round of the bank's own time: scorings whose time has come are decided, payments take their
 * next step, and the self-employed API's registrations and receipts move on. Run by a timer in main.ts and by POST /_sim/tick, so tests move time by hand.
 */
export async function advanceDue(pool: Pool, sim: Sim, settings: ProgressSettings): Promise<number> {
  const scored = await withTransaction(pool, async (tx) => {
    const now = sim.clock.now();
    const due = await dueScorings(tx, now, PROGRESS_BATCH_MAX);
    let n = 0;
    for (const b of due) {
      const outcome = decideScoring(b.inn ? sim.faults.scoring.get(b.inn) : undefined);
      if (!outcome) continue;
      await setScoring(tx, b.id, outcome.status, outcome.errors, now);
      await enqueueNotification(
        tx,
        { type: 'SCORING_FINISHED', objectId: b.id, status: outcome.status },
        sim,
      );
      n++;
    }
    return n;
  });
  const paid = await advancePayments(pool, sim, settings);
  return scored + paid + (await advanceSelfEmployed(pool, sim));
}
