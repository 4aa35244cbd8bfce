import { callerOf, IdParams, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type DeliveryStatus, deliveryView } from '../../domain/delivery.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { accessibleEndpoint, beforeIdOf } from '../http.ts';
import { DeliveryView, PAGE_SIZE_DEFAULT, Page, PageQuery } from '../schemas.ts';

const Query = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
    ),
  },
  { additionalProperties: false },
);

/** An endpoint's deliveries, newest first, optionally only those in one status. */
export function listDeliveriesRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.get<{
    Params: { id: string };
    Querystring: { limit?: number; cursor?: string; status?: DeliveryStatus };
  }>(
    '/v1/webhooks/endpoints/:id/deliveries',
    {
      schema: {
        summary: "List a webhook endpoint's deliveries",
        tags: ['webhooks'],
        params: IdParams,
        querystring: Query,
        response: { 200: Page(DeliveryView), 400: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const e = await accessibleEndpoint(ports.store, callerOf(request), request.params.id);
      const limit = request.query.limit ?? PAGE_SIZE_DEFAULT;
      const rows = await ports.store.listDeliveries(
        e.id,
        { status: request.query.status },
        { limit: limit + 1, beforeId: beforeIdOf(request.query.cursor) },
      );
      return pageOf(rows, limit, (r) => r.id, deliveryView);
    },
  );
}
