import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { WebhooksPorts } from '../../ports.ts';
import { accessibleEndpoint } from '../http.ts';

/**
 * Deletes the endpoint with its deliveries and attempts; an attempt in flight is not recorded. Its event
 * types stop being routed to webhooks once no other endpoint selects them (ADR 0046).
 */
export function deleteEndpointRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.delete<{ Params: { id: string } }>(
    '/v1/webhooks/endpoints/:id',
    {
      schema: {
        summary: 'Delete a webhook endpoint',
        tags: ['webhooks'],
        params: IdParams,
        response: { 204: Type.Null(), 404: ProblemRef },
      },
    },
    async (request, reply) => {
      const e = await accessibleEndpoint(ports.store, callerOf(request), request.params.id);
      if (await ports.store.deleteEndpoint(e.id)) await ports.routing.settle();
      request.log.info({ endpointId: e.id }, 'webhook endpoint deleted');
      return reply.code(204).send();
    },
  );
}
