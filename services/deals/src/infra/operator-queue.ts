import { prepared, type Queryable } from '@strongbox/postgres';
import type { DealEvent } from '../domain/events.ts';
import {
  findingQueueItem,
  type QueueChange,
  type QueueItem,
  queueChangesOf,
} from '../domain/operator-queue.ts';
import type { QueueCursor } from '../ports.ts';

/** The operators' queue table (migration 0010), written in the caller's transaction. */

/**
 * Queue items whose source is not a deal's events (reconciliation findings, from their own table): each
 * entry writes its open items again with openQueueItem during a rebuild, which empties the whole table
 * first. A source that opens items in its own transaction adds one function here.
 */
export const QUEUE_SOURCES_OUTSIDE_EVENTS: ReadonlyArray<(tx: Queryable) => Promise<void>> = [findingsAgain];

/** Every reconciliation finding as its queue item, open or closed as reconciliation left it. */
async function findingsAgain(tx: Queryable): Promise<void> {
  const { rows } = await tx.query<{
    seq: string;
    subject: string;
    deal_id: string | null;
    kind: string;
    detail: string;
    detected_at: Date;
    resolved_at: Date | null;
  }>('select seq, subject, deal_id, kind, detail, detected_at, resolved_at from reconciliation_findings');
  for (const r of rows) {
    const item = findingQueueItem({
      findingId: `rcf_${r.seq}`,
      subject: r.subject,
      dealId: r.deal_id,
      kind: r.kind,
      detail: r.detail,
      detectedAt: r.detected_at,
    });
    await openQueueItem(tx, item);
    if (r.resolved_at) await closeQueueItem(tx, item.itemId, r.resolved_at);
  }
}

/** Applies what the deal's new events change in the queue: the command's transaction, or the rebuild's. */
export async function projectQueue(
  tx: Queryable,
  dealId: string,
  events: readonly DealEvent[],
): Promise<void> {
  for (const e of events) for (const change of queueChangesOf(dealId, e)) await applyQueueChange(tx, change);
}

export async function applyQueueChange(tx: Queryable, change: QueueChange): Promise<void> {
  if ('open' in change) return openQueueItem(tx, change.open);
  if ('close' in change) return closeQueueItem(tx, change.close.itemId, change.close.at);
  await tx.query(
    // A finding stays until reconciliation no longer sees it, whatever the deal has done since.
    prepared(
      `update operator_queue set closed_at = $2
       where deal_id = $1 and closed_at is null and kind <> 'reconciliation'`,
      [change.closeDeal.dealId, change.closeDeal.at],
    ),
  );
}

/** Opens an item, or opens again one that closed (a payout failing again after its retry). */
export async function openQueueItem(tx: Queryable, item: QueueItem): Promise<void> {
  await tx.query(
    prepared(
      `insert into operator_queue (item_id, deal_id, kind, reason, since) values ($1, $2, $3, $4, $5)
       on conflict (item_id) do update set reason = excluded.reason, since = excluded.since, closed_at = null`,
      [item.itemId, item.dealId, item.kind, item.reason.slice(0, 2_000), item.since],
    ),
  );
}

export async function closeQueueItem(tx: Queryable, itemId: string, at: Date): Promise<void> {
  await tx.query(
    prepared('update operator_queue set closed_at = $2 where item_id = $1 and closed_at is null', [
      itemId,
      at,
    ]),
  );
}

/** Open items, oldest first, after `cursor`, at most `limit` of them. */
export async function listOpenQueueItems(
  q: Queryable,
  cursor: QueueCursor | undefined,
  limit: number,
): Promise<QueueItem[]> {
  const { rows } = await q.query<{
    item_id: string;
    deal_id: string;
    kind: string;
    reason: string;
    since: Date;
  }>(
    prepared(
      `select item_id, deal_id, kind, reason, since from operator_queue
       where closed_at is null and ($1::timestamptz is null or (since, item_id) > ($1, $2))
       order by since, item_id limit $3`,
      [cursor?.since ?? null, cursor?.itemId ?? '', limit],
    ),
  );
  return rows.map((r) => ({
    itemId: r.item_id,
    dealId: r.deal_id,
    kind: r.kind,
    reason: r.reason,
    since: r.since,
  }));
}
