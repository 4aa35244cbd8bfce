import { type Clock, newId } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';
import { recipientTaskFor } from './domain/bank-tasks.ts';
import {
  PLATFORM_USER_ID,
  type PlatformFee,
  type PlatformProfileConfig,
  platformProfile,
} from './domain/platform-fee.ts';
import { checkRecipient } from './domain/recipient.ts';
import { enqueueSubjectTasks } from './infra/bank-tasks.ts';
import { findRecipientOf, keepConfiguredRecipient } from './infra/recipients.ts';

/**
 * At start: the platform's configured payout profile is stored (or its details brought up to date) and
 * its registration at the bank queued, as a user's save would; starting again with the same settings
 * changes nothing and queues nothing new. Answers what shares naming `platform_fee` resolve to.
 */
export async function keepPlatformProfile(
  pool: Pool,
  clock: Clock,
  config: PlatformProfileConfig,
): Promise<PlatformFee> {
  // Config validation checked these already; a profile the bank would refuse must not be stored.
  const refused = checkRecipient({ legalType: 'company', ...config });
  if (refused) throw new Error(`the platform's payout profile is invalid: ${refused}`);
  const saved = await withTransaction(pool, async (tx) => {
    const now = clock.now();
    const existing = await findRecipientOf(tx, PLATFORM_USER_ID, true);
    const kept = await keepConfiguredRecipient(
      tx,
      platformProfile(config, existing, () => newId('rcp', clock), now),
    );
    const task = recipientTaskFor(kept.id, kept.updatedAt);
    await enqueueSubjectTasks(tx, { subjectId: kept.id, dealId: null }, [task], now, undefined);
    return kept;
  });
  return { recipientId: saved.id, minimum: config.feeMinimum };
}
