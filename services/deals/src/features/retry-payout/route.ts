import { Id, IdempotencyHeaders } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand } from '../http.ts';
import { DealView, PROBLEMS } from '../schemas.ts';

/**
 * The agent asks for a failed payout to be tried again, typically after its recipient corrected their bank
 * details (POST /v1/recipients). This records deal.payout_retried; the bank worker makes the new attempt.
 */
export function retryPayoutRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Params: { id: string; payoutId: string } }>(
    '/v1/deals/:id/payouts/:payoutId/retry',
    {
      schema: {
        summary: 'Retry a failed payout (the agent)',
        tags: ['deals'],
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Id, payoutId: Id }),
        response: { 200: DealView, ...PROBLEMS },
      },
    },
    async (request, reply) =>
      keyedCommand(request, reply, ports, {
        dealId: request.params.id,
        command: { kind: 'retry_payout', payoutId: request.params.payoutId },
      }),
  );
}
