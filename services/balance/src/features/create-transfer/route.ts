import { httpErrors, IdempotencyHeaders, idempotently, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import type { BalancePorts } from '../../ports.ts';
import { NewTransferBody, type NewTransferInput, TransferView } from '../schemas.ts';
import { actor } from '../support.ts';
import { createCommand, renderOne, transferInputProblems } from '../transfer-commands.ts';

/**
 * Moves money from a debit account the caller owns (any account for staff and services) to any account,
 * at once or as a hold (`pending: true`). Runs through the group commit.
 */
export function createTransferRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.post<{ Body: NewTransferInput }>(
    '/v1/transfers',
    {
      schema: {
        summary: 'Create a transfer (posted, or pending as a hold)',
        tags: ['transfers'],
        headers: IdempotencyHeaders,
        body: NewTransferBody,
        response: { 201: TransferView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const problems = transferInputProblems(request.body, 'body');
      if (problems.length > 0)
        throw httpErrors.validation_failed('The request has invalid fields', { errors: problems });
      const command = createCommand(request.body, actor(request), ports, request.traceId);
      return idempotently(
        request,
        reply,
        (idempotency) =>
          ports.ledger.submit({
            commands: [command],
            atomic: false,
            idempotency,
            traceId: request.traceId,
            render: renderOne(request, 201),
            keyInTransfer: true,
          }),
        ports.inFlight,
      );
    },
  );
}
