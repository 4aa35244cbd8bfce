import { IdempotencyHeaders, IdParams } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand } from '../http.ts';
import { DealView, PROBLEMS } from '../schemas.ts';

/**
 * A party cancels the deal while nothing has been released; the money held (if any) is recorded to be
 * refunded (deal.cancelled carries the amount), and the bank worker carries it out.
 */
export function cancelDealRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Params: { id: string } }>(
    '/v1/deals/:id/cancel',
    {
      schema: {
        summary: 'Cancel a deal',
        tags: ['deals'],
        headers: IdempotencyHeaders,
        params: IdParams,
        response: { 200: DealView, ...PROBLEMS },
      },
    },
    async (request, reply) =>
      keyedCommand(request, reply, ports, { dealId: request.params.id, command: { kind: 'cancel' } }),
  );
}
