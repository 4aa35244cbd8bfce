import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { endpointView } from '../../domain/endpoint.ts';
import { webhookErrors } from '../../domain/errors.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { accessibleEndpoint } from '../http.ts';
import { Description, EndpointView, EventTypes, Url } from '../schemas.ts';
import { targetOrThrow } from '../target.ts';

const Body = Type.Object(
  {
    url: Type.Optional(Url),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

/**
 * Changes the URL (checked again), the event types or the description; pending deliveries follow the new
 * URL. New event types are routed to webhooks before the answer; the ones no endpoint selects any more stop
 * being routed after the commit (ADR 0046).
 */
export function updateEndpointRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.patch<{
    Params: { id: string };
    Body: { url?: string; eventTypes?: string[]; description?: string | null };
  }>(
    '/v1/webhooks/endpoints/:id',
    {
      schema: {
        summary: 'Update a webhook endpoint',
        tags: ['webhooks'],
        params: IdParams,
        body: Body,
        response: { 200: EndpointView, 400: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      await accessibleEndpoint(ports.store, caller, request.params.id);
      if (request.body.url !== undefined) await targetOrThrow(ports, request.body.url);
      const { eventTypes } = request.body;
      if (eventTypes !== undefined) await ports.routing.expect(eventTypes);
      const updated = await ports.transaction(async (store) => {
        const e = await store.updateEndpoint(request.params.id, request.body, ports.clock.now());
        if (e && eventTypes !== undefined && e.status === 'enabled') await store.widenRouting();
        return e;
      });
      if (!updated) throw webhookErrors.endpoint_not_found(`No endpoint ${request.params.id}`);
      if (eventTypes !== undefined) await ports.routing.settle();
      request.log.info(
        { endpointId: updated.id, fields: Object.keys(request.body) },
        'webhook endpoint updated',
      );
      return endpointView(updated);
    },
  );
}
