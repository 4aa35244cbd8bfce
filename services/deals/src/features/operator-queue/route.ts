import { decodeCursor, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { QueueItem } from '../../domain/operator-queue.ts';
import type { DealsPorts, QueueCursor } from '../../ports.ts';
import { Cursor, ListLimit, PAGE_LIMIT_DEFAULT, Page } from '../schemas.ts';

const QueueItemView = Type.Object(
  {
    id: Type.String({ description: 'The item: `<deal id>/<kind>/<ref>`' }),
    dealId: Type.String(),
    // An open list: new kinds are added without changing the schema (ADR 0035).
    kind: Type.String({
      description: 'What waits: dispute, payout_failed, refund_needs_operator, and kinds added later',
    }),
    reason: Type.String(),
    since: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const QueueQuery = Type.Object({ limit: ListLimit, cursor: Cursor }, { additionalProperties: false });

/** A cursor is the last item's time and id: the queue runs oldest first, ties by id. */
const ITEM_KEY =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(deal_[0-9a-f-]{36}\/[a-z_]{1,40}\/[A-Za-z0-9_-]{1,80})$/;
const cursorKey = (key: string): QueueCursor | undefined => {
  const m = ITEM_KEY.exec(key);
  if (!m) return undefined;
  const since = new Date(m[1]!);
  return Number.isNaN(since.getTime()) ? undefined : { since, itemId: m[2]! };
};

const view = (i: QueueItem) => ({
  id: i.itemId,
  dealId: i.dealId,
  kind: i.kind,
  reason: i.reason,
  since: i.since.toISOString(),
});

/**
 * The operators' queue: what waits for a person (disputes to resolve, failed payouts, refunds the bank
 * could not make), oldest first. A read model of the deals' events, never a scan of the deals.
 */
export function operatorQueueRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/v1/admin/deals/queue',
    {
      config: { auth: { roles: ['operator', 'admin'] } },
      schema: {
        summary: "The operators' queue: open items, oldest first (staff)",
        tags: ['deals', 'admin'],
        querystring: QueueQuery,
        response: { 200: Page(QueueItemView), 400: ProblemRef, 403: ProblemRef },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const after = decodeCursor(request.query.cursor, cursorKey);
      const rows = await ports.listQueue(after, limit + 1);
      return pageOf(rows, limit, (i) => `${i.since.toISOString()}|${i.itemId}`, view);
    },
  );
}
