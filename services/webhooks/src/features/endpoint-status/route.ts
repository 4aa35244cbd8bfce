import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { endpointView } from '../../domain/endpoint.ts';
import { webhookErrors } from '../../domain/errors.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { accessibleEndpoint } from '../http.ts';
import { EndpointView } from '../schemas.ts';

/**
 * Disabling stops deliveries at once: the endpoint's pending deliveries are failed and no new event is
 * queued for it. Enabling starts afresh (a new five days before automatic disabling); failed deliveries
 * can then be resent. Both are idempotent by nature, so they take no Idempotency-Key.
 */
export function endpointStatusRoutes(app: FastifyInstance, ports: WebhooksPorts): void {
  const schema = (summary: string) => ({
    summary,
    tags: ['webhooks'],
    params: IdParams,
    response: { 200: EndpointView, 404: ProblemRef },
  });

  app.post<{ Params: { id: string } }>(
    '/v1/webhooks/endpoints/:id/disable',
    { schema: schema('Disable a webhook endpoint') },
    async (request) => {
      const caller = callerOf(request);
      const updated = await ports.transaction(async (store) => {
        const e = await accessibleEndpoint(store, caller, request.params.id);
        if (e.status === 'disabled') return e;
        return await store.disableEndpoint(e.id, 'manual', ports.clock.now());
      });
      if (!updated) throw webhookErrors.endpoint_not_found(`No endpoint ${request.params.id}`);
      // Its event types stop being routed once no other endpoint selects them (ADR 0046).
      await ports.routing.settle();
      request.log.info({ endpointId: updated.id }, 'webhook endpoint disabled');
      return endpointView(updated);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/webhooks/endpoints/:id/enable',
    { schema: schema('Enable a webhook endpoint') },
    async (request) => {
      const e = await accessibleEndpoint(ports.store, callerOf(request), request.params.id);
      if (e.status === 'enabled') return endpointView(e);
      // Its event types are routed to webhooks before the answer (ADR 0046).
      await ports.routing.expect(e.eventTypes);
      const updated = await ports.transaction(async (store) => {
        const enabled = await store.enableEndpoint(e.id, ports.clock.now());
        if (enabled) await store.widenRouting();
        return enabled;
      });
      if (!updated) throw webhookErrors.endpoint_not_found(`No endpoint ${request.params.id}`);
      request.log.info({ endpointId: updated.id }, 'webhook endpoint enabled');
      return endpointView(updated);
    },
  );
}
