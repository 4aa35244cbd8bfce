import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { orderView } from '../../domain/order.ts';
import type { OrdersPorts } from '../../ports.ts';
import { visibleOrder } from '../http.ts';
import { OrderView } from '../schemas.ts';

/** One order with its history: its customer's, or any for staff; another's answers 404. */
export function getOrderRoute(app: FastifyInstance, ports: OrdersPorts): void {
  app.get<{ Params: { id: string } }>(
    '/v1/orders/:id',
    {
      schema: {
        summary: 'An order with its status history',
        tags: ['orders'],
        params: IdParams,
        response: { 200: OrderView, 404: ProblemRef },
      },
    },
    async (request) => orderView(await visibleOrder(ports, callerOf(request), request.params.id)),
  );
}
