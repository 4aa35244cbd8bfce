import { IdempotencyHeaders, IdParams } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand } from '../http.ts';
import { DealView, PROBLEMS, Reason } from '../schemas.ts';

/** A party opens a dispute on a funded deal: releases stop until staff resolve it. */
export function openDisputeRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/v1/deals/:id/disputes',
    {
      schema: {
        summary: 'Open a dispute (a party)',
        tags: ['deals'],
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 201: DealView, ...PROBLEMS },
      },
    },
    async (request, reply) =>
      keyedCommand(
        request,
        reply,
        ports,
        {
          dealId: request.params.id,
          command: { kind: 'open_dispute', disputeId: ports.newId('dsp'), reason: request.body.reason },
        },
        201,
      ),
  );
}
