import { callerOf, IdempotencyHeaders, ProblemRef } from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ENDPOINTS_PER_OWNER_MAX, type Endpoint, endpointView, scopeFor } from '../../domain/endpoint.ts';
import { webhookErrors } from '../../domain/errors.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { replyIdempotently } from '../http.ts';
import { Description, EndpointWithSecret, EventTypes, Url } from '../schemas.ts';
import { targetOrThrow } from '../target.ts';

const Body = Type.Object(
  { url: Url, eventTypes: EventTypes, description: Type.Optional(Description) },
  { additionalProperties: false },
);

/**
 * Registers an endpoint and answers its signing secret, the only time it is shown. The URL is checked
 * against the SSRF rules before anything is stored. The event types it selects are routed to webhooks
 * before the answer, in the registering transaction (ADR 0046): every event published after a 201 is
 * received.
 */
export function createEndpointRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.post<{ Body: { url: string; eventTypes: string[]; description?: string } }>(
    '/v1/webhooks/endpoints',
    {
      schema: {
        summary: 'Register a webhook endpoint',
        tags: ['webhooks'],
        headers: IdempotencyHeaders,
        body: Body,
        response: { 201: EndpointWithSecret, 400: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      await targetOrThrow(ports, request.body.url);
      await ports.routing.expect(request.body.eventTypes);
      return await replyIdempotently(request, reply, ports, async (store) => {
        if ((await store.countEndpointsOfLocked(caller.sub)) >= ENDPOINTS_PER_OWNER_MAX) {
          throw webhookErrors.endpoint_limit_reached(
            `At most ${ENDPOINTS_PER_OWNER_MAX} endpoints per owner; delete one first`,
          );
        }
        const now = ports.clock.now();
        const endpoint: Endpoint = {
          id: ports.newEndpointId(),
          ownerId: caller.sub,
          scope: scopeFor(caller),
          url: request.body.url,
          eventTypes: request.body.eventTypes,
          description: request.body.description ?? null,
          status: 'enabled',
          disabledReason: null,
          secret: ports.newSecret(),
          previousSecret: null,
          previousSecretExpiresAt: null,
          failingSince: null,
          createdAt: now,
          updatedAt: now,
        };
        await store.insertEndpoint(endpoint, request.traceId);
        await store.widenRouting();
        request.log.info({ endpointId: endpoint.id, scope: endpoint.scope }, 'webhook endpoint registered');
        return jsonResponse(201, { ...endpointView(endpoint), secret: endpoint.secret });
      });
    },
  );
}
