import type { Clock } from '@strongbox/kernel';
import { type Pool, withTransaction } from '@strongbox/postgres';
import { type DeadLetter, findDeadLetter, resolveDeadLetter } from '@strongbox/postgres/dead-letters';
import type { Transport } from '../transport.ts';
import { messagingErrors } from './errors.ts';

export interface DeadLetterOpsDeps {
  /** The service's pool: its schema holds dead_letters. */
  readonly pool: Pool;
  readonly transport: Transport;
  readonly clock: Clock;
}

/**
 * Hands a dead letter back to the one consumer that gave up on it, then marks it replayed. The row is
 * locked meanwhile, so two operators replaying at once deliver it once; a crash between the two steps
 * leaves it dead and a second replay delivers it again, which the consumer's inbox absorbs.
 */
export async function replayDeadLetter(deps: DeadLetterOpsDeps, id: string, by: string): Promise<DeadLetter> {
  return await withTransaction(deps.pool, async (tx) => {
    const letter = await lockDead(tx, id);
    try {
      await deps.transport.redeliver(letter.consumer, {
        id: letter.eventId,
        type: letter.eventType,
        json: JSON.stringify(letter.envelope),
      });
    } catch (err) {
      throw messagingErrors.replay_failed(
        `${letter.consumer} could not be reached: ${(err as Error).message}`,
      );
    }
    return await resolveDeadLetter(tx, id, 'replayed', by, deps.clock.now());
  });
}

/** Marks a dead letter discarded; the row stays as the record of who decided and when. */
export async function discardDeadLetter(
  deps: Pick<DeadLetterOpsDeps, 'pool' | 'clock'>,
  id: string,
  by: string,
): Promise<DeadLetter> {
  return await withTransaction(deps.pool, async (tx) => {
    await lockDead(tx, id);
    return await resolveDeadLetter(tx, id, 'discarded', by, deps.clock.now());
  });
}

async function lockDead(tx: Parameters<typeof findDeadLetter>[0], id: string): Promise<DeadLetter> {
  const letter = await findDeadLetter(tx, id, { forUpdate: true });
  if (!letter) throw messagingErrors.dead_letter_not_found(`No dead letter ${id}`);
  if (letter.state !== 'dead') {
    throw messagingErrors.dead_letter_not_dead(`Dead letter ${id} is already ${letter.state}`);
  }
  return letter;
}
