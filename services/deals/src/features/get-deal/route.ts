import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import type { DealsPorts } from '../../ports.ts';
import { visibleDeal } from '../http.ts';
import { DealView } from '../schemas.ts';

/** One deal with its milestones and payouts: its parties' and staff's; anyone else's answers 404. */
export function getDealRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Params: { id: string } }>(
    '/v1/deals/:id',
    {
      schema: {
        summary: 'A deal',
        tags: ['deals'],
        params: IdParams,
        response: { 200: DealView, 404: ProblemRef },
      },
    },
    async (request, reply) => {
      const view = await visibleDeal(ports, callerOf(request), request.params.id);
      // The version is what PATCH's If-Match names.
      void reply.header('etag', `"${view.version}"`);
      return view;
    },
  );
}
