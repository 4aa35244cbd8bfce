import { IdempotencyHeaders, IdParams, idempotently, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { BalancePorts } from '../../ports.ts';
import { Amount, TransferView } from '../schemas.ts';
import { actor } from '../support.ts';
import { renderOne } from '../transfer-commands.ts';

const Body = Type.Object(
  {
    amount: Type.Optional({
      ...Amount,
      description: 'Capture this much (default: all); the rest is released',
    }),
  },
  { additionalProperties: false },
);

/** Captures a pending transfer, fully or in part; whatever is not captured is released at once. */
export function postTransferRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.post<{ Params: { id: string }; Body: { amount?: number } }>(
    '/v1/transfers/:id/post',
    {
      // A POST without a body means "post it all".
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        summary: 'Post (capture) a pending transfer',
        tags: ['transfers'],
        headers: IdempotencyHeaders,
        params: IdParams,
        body: Body,
        response: { 200: TransferView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const amount = request.body.amount;
      return idempotently(
        request,
        reply,
        (idempotency) =>
          ports.ledger.submit({
            commands: [
              {
                kind: 'post',
                transferId: request.params.id,
                amount: amount === undefined ? null : BigInt(amount),
                actor: actor(request),
              },
            ],
            atomic: false,
            idempotency,
            traceId: request.traceId,
            render: renderOne(request, 200),
          }),
        ports.inFlight,
      );
    },
  );
}
