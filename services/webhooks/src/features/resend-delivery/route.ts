import { callerOf, IdempotencyHeaders, IdParams, ProblemRef } from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { deliveryView } from '../../domain/delivery.ts';
import { canAccess } from '../../domain/endpoint.ts';
import { webhookErrors } from '../../domain/errors.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { replyIdempotently } from '../http.ts';
import { DeliveryView } from '../schemas.ts';

/**
 * Sends a finished (failed, or succeeded) delivery again: it is due at once and gets a whole new retry
 * schedule, with the same webhook-id and body, so a receiver that did process it can tell. The answer is
 * 202: the attempt itself is the worker's.
 */
export function resendDeliveryRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.post<{ Params: { id: string } }>(
    '/v1/webhooks/deliveries/:id/resend',
    {
      schema: {
        summary: 'Resend a webhook delivery',
        tags: ['webhooks'],
        headers: IdempotencyHeaders,
        params: IdParams,
        response: { 202: DeliveryView, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      return await replyIdempotently(request, reply, ports, async (store) => {
        const found = await store.findDelivery(request.params.id);
        if (!found || !canAccess(caller, found.ownerId))
          throw webhookErrors.delivery_not_found(`No delivery ${request.params.id}`);
        if (found.endpointStatus !== 'enabled')
          throw webhookErrors.endpoint_disabled('Enable the endpoint before resending its deliveries');
        const requeued = await store.requeueDelivery(found.delivery.id, ports.clock.now());
        if (!requeued) throw webhookErrors.delivery_pending('The delivery is already scheduled; wait for it');
        request.log.info({ deliveryId: requeued.id }, 'webhook delivery resent');
        return jsonResponse(202, deliveryView(requeued));
      });
    },
  );
}
