import { type Pool, prepared, type Queryable, readStream, withTransaction } from '@strongbox/postgres';
import type { Deal } from '../domain/deal.ts';
import { evolve } from '../domain/evolve.ts';
import { decodeEvent } from './event-codec.ts';
import { projectQueue, QUEUE_SOURCES_OUTSIDE_EVENTS } from './operator-queue.ts';
import { projectDeal } from './projection.ts';
import { projectRecipientPayouts } from './recipient-payouts.ts';

/** Streams folded per page of a rebuild: bounds the memory a rebuild holds at once. */
export const REBUILD_PAGE_SIZE = 500;

/**
 * Throws the read models away and derives them again from the event store alone, in one repeatable-read
 * transaction: the rebuild sees one snapshot of the events, and readers see the old rows until it commits.
 * Commands that commit meanwhile wait for nothing; their projection update lands after the rebuild's if the
 * rebuild's snapshot predates them (the version guard in projectDeal keeps the newer row).
 */
export async function rebuildReadModels(pool: Pool): Promise<{ deals: number }> {
  return withTransaction(
    pool,
    async (tx) => {
      await tx.query('delete from deal_views');
      await tx.query('delete from operator_queue');
      await tx.query('delete from recipient_payouts');
      let deals = 0;
      let after = '';
      for (;;) {
        const ids = await streamIdsAfter(tx, after);
        for (const id of ids) {
          const events = (await readStream(tx, id)).map((s) => decodeEvent(s.type, s.data));
          let deal: Deal | null = null;
          for (const e of events) deal = evolve(deal, e);
          await projectQueue(tx, id, events);
          if (deal) {
            await projectDeal(tx, deal);
            await projectRecipientPayouts(tx, deal);
            deals++;
          }
        }
        if (ids.length < REBUILD_PAGE_SIZE) {
          for (const source of QUEUE_SOURCES_OUTSIDE_EVENTS) await source(tx);
          return { deals };
        }
        after = ids.at(-1)!;
      }
    },
    { isolation: 'repeatable read' },
  );
}

async function streamIdsAfter(tx: Queryable, after: string): Promise<string[]> {
  const { rows } = await tx.query<{ stream_id: string }>(
    prepared('select stream_id from event_streams where stream_id > $1 order by stream_id limit $2', [
      after,
      REBUILD_PAGE_SIZE,
    ]),
  );
  return rows.map((r) => r.stream_id);
}
