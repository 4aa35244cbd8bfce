import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { ATTEMPTS_SHOWN_MAX, attemptView, deliveryView } from '../../domain/delivery.ts';
import { canAccess } from '../../domain/endpoint.ts';
import { webhookErrors } from '../../domain/errors.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { DeliveryDetail } from '../schemas.ts';

/** One delivery with the event it carries and its attempts (status, duration, response code, error). */
export function getDeliveryRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.get<{ Params: { id: string } }>(
    '/v1/webhooks/deliveries/:id',
    {
      schema: {
        summary: 'A webhook delivery with its attempts',
        tags: ['webhooks'],
        params: IdParams,
        response: { 200: DeliveryDetail, 404: ProblemRef },
      },
    },
    async (request) => {
      const found = await ports.store.findDelivery(request.params.id);
      if (!found || !canAccess(callerOf(request), found.ownerId))
        throw webhookErrors.delivery_not_found(`No delivery ${request.params.id}`);
      const attempts = await ports.store.listAttempts(found.delivery.id, ATTEMPTS_SHOWN_MAX);
      return {
        ...deliveryView(found.delivery),
        payload: JSON.parse(found.delivery.payload) as unknown,
        attempts: attempts.map(attemptView),
      };
    },
  );
}
