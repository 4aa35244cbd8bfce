import { prepared, type Queryable, readStream } from '@strongbox/postgres';
import type { DealEventType } from '../domain/events.ts';
import type { DealView } from '../domain/view.ts';
import type { AuditEntry, DealListFilter } from '../ports.ts';

/** The read side: narrow queries over deal_views and the deal's own stream. */

export async function findDealView(q: Queryable, dealId: string): Promise<DealView | undefined> {
  const { rows } = await q.query<{ view: DealView }>(
    prepared('select view from deal_views where deal_id = $1', [dealId]),
  );
  return rows[0]?.view;
}

/** Which column names the caller's role; either role when none is asked for. */
const ROLE_CONDITION = {
  agent: 'created_by = $1',
  payer: 'payer_id = $1',
  any: '(created_by = $1 or payer_id = $1)',
} as const;

/** A party's deals, newest first (ids are time-ordered), up to `limit` rows. */
export async function listDealViews(
  q: Queryable,
  userId: string,
  filter: DealListFilter,
  limit: number,
): Promise<DealView[]> {
  const { rows } = await q.query<{ view: DealView }>(
    prepared(
      `select view from deal_views
       where ${ROLE_CONDITION[filter.role ?? 'any']}
         and ($2::text is null or status = $2)
         and ($3::text is null or deal_id < $3)
       order by deal_id desc limit $4`,
      [userId, filter.status ?? null, filter.beforeId ?? null, limit],
    ),
  );
  return rows.map((r) => r.view);
}

/** Every deal, newest first, optionally of one status: the staff's view. */
export async function listAllDealViews(
  q: Queryable,
  filter: Pick<DealListFilter, 'status' | 'beforeId'>,
  limit: number,
): Promise<DealView[]> {
  const { rows } = await q.query<{ view: DealView }>(
    prepared(
      `select view from deal_views
       where ($1::text is null or status = $1) and ($2::text is null or deal_id < $2)
       order by deal_id desc limit $3`,
      [filter.status ?? null, filter.beforeId ?? null, limit],
    ),
  );
  return rows.map((r) => r.view);
}

/** The deal's events after `afterVersion`, in order, at most `limit` of them. */
export async function auditTrail(
  q: Queryable,
  dealId: string,
  afterVersion: number,
  limit: number,
): Promise<AuditEntry[]> {
  const stored = await readStream(q, dealId, afterVersion);
  return stored.slice(0, limit).map((e) => ({
    version: e.version,
    type: e.type as DealEventType,
    data: e.data,
    traceId: e.metadata['traceId'] ?? null,
    recordedAt: e.recordedAt,
  }));
}
