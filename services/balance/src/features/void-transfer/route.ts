import { IdempotencyHeaders, IdParams, idempotently, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { BalancePorts } from '../../ports.ts';
import { TransferView } from '../schemas.ts';
import { actor } from '../support.ts';
import { renderOne } from '../transfer-commands.ts';

/** Releases a pending transfer's hold; nothing moves. */
export function voidTransferRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.post<{ Params: { id: string } }>(
    '/v1/transfers/:id/void',
    {
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        summary: 'Void a pending transfer',
        tags: ['transfers'],
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Type.Object({}, { additionalProperties: false }),
        response: { 200: TransferView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) =>
      idempotently(
        request,
        reply,
        (idempotency) =>
          ports.ledger.submit({
            commands: [{ kind: 'void', transferId: request.params.id, actor: actor(request) }],
            atomic: false,
            idempotency,
            traceId: request.traceId,
            render: renderOne(request, 200),
          }),
        ports.inFlight,
      ),
  );
}
