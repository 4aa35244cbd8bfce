import { callerOf, IdempotencyHeaders, IdParams, idempotently, ProblemRef } from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { orderErrors } from '../../domain/errors.ts';
import { isTerminal, orderView } from '../../domain/order.ts';
import type { OrdersPorts } from '../../ports.ts';
import { visibleOrder } from '../http.ts';
import { OrderView } from '../schemas.ts';

/**
 * Cancels an order whose processing has not started: the hold is released and the order ends `cancelled`
 * (200). If balance cannot be reached now, the cancel is recorded and finishes later (202).
 */
export function cancelOrderRoute(app: FastifyInstance, ports: OrdersPorts): void {
  app.post<{ Params: { id: string } }>(
    '/v1/orders/:id/cancel',
    {
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        summary: 'Cancel an order before processing starts',
        tags: ['orders'],
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object({}, { additionalProperties: false }),
        response: { 200: OrderView, 202: OrderView, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const id = request.params.id;
      await visibleOrder(ports, caller, id);
      return idempotently(request, reply, (keyed) =>
        ports.rememberAnswer(keyed, async () => {
          const d = await ports.applyInput(id, { kind: 'cancel_requested' });
          const current = await visibleOrder(ports, caller, id);
          if (d?.kind === 'refused' && current.status === 'cancelled')
            return jsonResponse(200, orderView(current));
          if (d?.kind === 'refused')
            throw orderErrors.order_not_cancellable(
              `Order ${id} can no longer be cancelled: processing has started or it has ended`,
            );
          await ports.drive(id);
          const o = await visibleOrder(ports, caller, id);
          return jsonResponse(isTerminal(o.status) ? 200 : 202, orderView(o));
        }),
      );
    },
  );
}
