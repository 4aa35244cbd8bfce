import { IdempotencyHeaders, IdParams } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand } from '../http.ts';
import { DealView, PROBLEMS } from '../schemas.ts';

/**
 * The agent submits the draft: this records the intent (deal.submitted) and nothing more. Registering the
 * deal at the bank is the bank worker's job, driven by that event, never a call made inside this request.
 */
export function submitDealRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Params: { id: string } }>(
    '/v1/deals/:id/submit',
    {
      schema: {
        summary: 'Submit a draft deal for registration at the bank',
        tags: ['deals'],
        headers: IdempotencyHeaders,
        params: IdParams,
        response: { 200: DealView, ...PROBLEMS },
      },
    },
    async (request, reply) =>
      keyedCommand(request, reply, ports, { dealId: request.params.id, command: { kind: 'submit' } }),
  );
}
