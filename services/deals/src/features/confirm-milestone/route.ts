import { Id, IdempotencyHeaders } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand } from '../http.ts';
import { DealView, PROBLEMS } from '../schemas.ts';

/** The payer confirms a milestone that waits for them; its release to the recipients is recorded with it. */
export function confirmMilestoneRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Params: { id: string; milestoneId: string } }>(
    '/v1/deals/:id/milestones/:milestoneId/confirm',
    {
      schema: {
        summary: 'Confirm a milestone (the payer)',
        tags: ['deals'],
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Id, milestoneId: Id }),
        response: { 200: DealView, ...PROBLEMS },
      },
    },
    async (request, reply) =>
      keyedCommand(request, reply, ports, {
        dealId: request.params.id,
        command: { kind: 'confirm_milestone', milestoneId: request.params.milestoneId },
      }),
  );
}
