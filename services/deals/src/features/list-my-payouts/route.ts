import { callerOf, decodeCursor, idKey, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import { Cursor, ListLimit, PAGE_LIMIT_DEFAULT, Page, ReceiptView } from '../schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const MyPayout = Type.Object({
  id: Type.String(),
  dealId: Type.String(),
  dealTitle: Type.String(),
  dealStatus: Type.String(),
  milestoneId: Type.String(),
  milestoneTitle: Type.String(),
  amount: Type.Integer({ description: 'Minor units' }),
  currency: Type.Literal('RUB'),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('held'),
    Type.Literal('paid'),
    Type.Literal('failed'),
  ]),
  failure: Nullable(Type.String()),
  hold: Nullable(
    Type.Object({
      reason: Type.String({ description: 'npd_not_active or npd_year_limit' }),
      detail: Type.String(),
    }),
  ),
  receipt: Nullable(ReceiptView),
  paidAt: Nullable(Type.String({ format: 'date-time' })),
  updatedAt: Type.String({ format: 'date-time' }),
});

const Query = Type.Object({ limit: ListLimit, cursor: Cursor }, { additionalProperties: false });

/**
 * The caller's payouts as a recipient, newest first, a page at a time: every deal's share to their payout
 * profile, with why one is held and its tax receipt. Read from the recipients' payouts read model; a user
 * without a payout profile has none.
 */
export function listMyPayoutsRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/v1/recipients/me/payouts',
    {
      schema: {
        summary: 'My payouts as a recipient, with holds and receipts',
        tags: ['recipients'],
        querystring: Query,
        response: { 200: Page(MyPayout), 400: ProblemRef },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const beforeId = decodeCursor(request.query.cursor, idKey(/^pay_[0-9a-f-]{36}$/));
      const rows = await ports.myPayouts(callerOf(request).sub, beforeId, limit + 1);
      return pageOf(
        rows,
        limit,
        (p) => p.payoutId,
        (p) => ({
          id: p.payoutId,
          dealId: p.dealId,
          dealTitle: p.dealTitle,
          dealStatus: p.dealStatus,
          milestoneId: p.milestoneId,
          milestoneTitle: p.milestoneTitle,
          amount: Number(p.amount),
          currency: 'RUB' as const,
          status: p.status,
          failure: p.failure,
          hold: p.hold,
          receipt: p.receipt,
          paidAt: p.paidAt?.toISOString() ?? null,
          updatedAt: p.updatedAt.toISOString(),
        }),
      );
    },
  );
}
