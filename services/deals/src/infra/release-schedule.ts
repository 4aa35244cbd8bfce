import { prepared, type Queryable } from '@strongbox/postgres';

/**
 * Deals whose next timed milestone is due by `now`, the longest overdue first (the partial index on
 * deal_views.next_release_at answers it without reading other deals).
 */
export async function dueForRelease(q: Queryable, now: Date, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ deal_id: string }>(
    prepared(`select deal_id from deal_views where next_release_at <= $1 order by next_release_at limit $2`, [
      now,
      limit,
    ]),
  );
  return rows.map((r) => r.deal_id);
}
