import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { endpointView } from '../../domain/endpoint.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { accessibleEndpoint } from '../http.ts';
import { EndpointView } from '../schemas.ts';

export function getEndpointRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.get<{ Params: { id: string } }>(
    '/v1/webhooks/endpoints/:id',
    {
      schema: {
        summary: 'A webhook endpoint (without its secret)',
        tags: ['webhooks'],
        params: IdParams,
        response: { 200: EndpointView, 404: ProblemRef },
      },
    },
    async (request) =>
      endpointView(await accessibleEndpoint(ports.store, callerOf(request), request.params.id)),
  );
}
