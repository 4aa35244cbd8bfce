import { prepared, type Queryable } from '@strongbox/postgres';
import { type Deal, heldAmount } from '../domain/deal.ts';
import { nextReleaseAt } from '../domain/release-schedule.ts';
import { dealView } from '../domain/view.ts';

export { type DealView, dealView } from '../domain/view.ts';

/**
 * Writes the deal's list row from its folded state, with when its next timed milestone falls due; the same
 * function serves live updates and rebuilds.
 */
export async function projectDeal(tx: Queryable, deal: Deal): Promise<void> {
  const view = dealView(deal, heldAmount(deal));
  await tx.query(
    prepared(
      `insert into deal_views (deal_id, created_by, payer_id, status, title, amount, version, created_at, updated_at, view, next_release_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       on conflict (deal_id) do update set status = excluded.status, title = excluded.title,
         version = excluded.version, updated_at = excluded.updated_at, view = excluded.view,
         next_release_at = excluded.next_release_at
       where deal_views.version < excluded.version`,
      [
        view.id,
        view.createdBy,
        view.payerId,
        view.status,
        view.title,
        view.amount,
        view.version,
        view.createdAt,
        view.updatedAt,
        JSON.stringify(view),
        nextReleaseAt(deal),
      ],
    ),
  );
}
