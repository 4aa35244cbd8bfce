import { IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { canSeeTransfer } from '../../domain/access.ts';
import { balanceErrors } from '../../domain/errors.ts';
import { transferView } from '../../domain/views.ts';
import type { BalancePorts } from '../../ports.ts';
import { TransferView } from '../schemas.ts';
import { actor } from '../support.ts';

/** One transfer, for the owners of its accounts, its creator, and staff and services. */
export function getTransferRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.get<{ Params: { id: string } }>(
    '/v1/transfers/:id',
    {
      schema: {
        summary: 'A transfer',
        tags: ['transfers'],
        params: IdParams,
        response: { 200: TransferView, 404: ProblemRef },
      },
    },
    async (request) => {
      const found = await ports.transfers.find(request.params.id);
      if (!found || !canSeeTransfer(actor(request), { ...found, createdBy: found.transfer.createdBy }))
        throw balanceErrors.transfer_not_found(`No transfer ${request.params.id}`);
      return transferView(found.transfer);
    },
  );
}
