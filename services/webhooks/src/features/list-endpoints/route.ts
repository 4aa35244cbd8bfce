import { callerOf, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { endpointView, isStaff } from '../../domain/endpoint.ts';
import type { WebhooksPorts } from '../../ports.ts';
import { beforeIdOf } from '../http.ts';
import { EndpointView, PAGE_SIZE_DEFAULT, Page, PageQuery } from '../schemas.ts';

const Query = Type.Object({ ...PageQuery }, { additionalProperties: false });

/** The caller's endpoints, newest first; operators and admins see everyone's. */
export function listEndpointsRoute(app: FastifyInstance, ports: WebhooksPorts): void {
  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/v1/webhooks/endpoints',
    {
      schema: {
        summary: 'List webhook endpoints',
        tags: ['webhooks'],
        querystring: Query,
        response: { 200: Page(EndpointView), 400: ProblemRef },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const limit = request.query.limit ?? PAGE_SIZE_DEFAULT;
      const rows = await ports.store.listEndpoints(
        { ownerId: isStaff(caller) ? undefined : caller.sub },
        { limit: limit + 1, beforeId: beforeIdOf(request.query.cursor) },
      );
      return pageOf(rows, limit, (r) => r.id, endpointView);
    },
  );
}
