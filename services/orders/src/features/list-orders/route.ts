import { callerOf, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type OrderStatus, orderView } from '../../domain/order.ts';
import type { OrdersPorts } from '../../ports.ts';
import { beforeIdOf } from '../http.ts';
import { ListQuery, OrderView, PAGE_LIMIT_DEFAULT } from '../schemas.ts';

/** The caller's orders, newest first, optionally of one status, a page at a time. */
export function listOrdersRoute(app: FastifyInstance, ports: OrdersPorts): void {
  app.get<{ Querystring: { status?: OrderStatus; limit?: number; cursor?: string } }>(
    '/v1/orders',
    {
      schema: {
        summary: "The caller's orders",
        tags: ['orders'],
        querystring: ListQuery,
        response: {
          200: Type.Object({
            data: Type.Array(OrderView),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ProblemRef,
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const rows = await ports.listOrders(
        callerOf(request).sub,
        { status: request.query.status, beforeId: beforeIdOf(request.query.cursor) },
        limit,
      );
      return pageOf(rows, limit, (o) => o.id, orderView);
    },
  );
}
