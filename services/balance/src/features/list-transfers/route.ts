import { Id, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { canUseAccount } from '../../domain/access.ts';
import { balanceErrors } from '../../domain/errors.ts';
import { transferView } from '../../domain/views.ts';
import type { BalancePorts } from '../../ports.ts';
import { PageQuery, page, TransferView } from '../schemas.ts';
import { actor, pageRequest, parseIdKey } from '../support.ts';

const Query = Type.Object({ ...PageQuery, accountId: Type.Optional(Id) }, { additionalProperties: false });

/**
 * Transfers newest first: one account's (debit or credit side), or without `accountId` those of every
 * account the caller owns (staff and services: all).
 */
export function listTransfersRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.get<{ Querystring: { limit?: number; cursor?: string; accountId?: string } }>(
    '/v1/transfers',
    {
      schema: {
        summary: "List transfers of an account, or of the caller's accounts",
        tags: ['transfers'],
        querystring: Query,
        response: { 200: page(TransferView), 400: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const caller = actor(request);
      const { accountId } = request.query;
      if (accountId !== undefined) {
        const account = await ports.accounts.find(accountId);
        if (!account || !canUseAccount(caller, account.ownerId))
          throw balanceErrors.account_not_found(`No account ${accountId}`);
      }
      const req = pageRequest(request.query, parseIdKey);
      const filter =
        accountId !== undefined
          ? { accountId }
          : caller.privileged
            ? { all: true as const }
            : { ownerId: caller.sub };
      const items = await ports.transfers.list(filter, req);
      return pageOf(items, req.limit, (t) => t.id, transferView);
    },
  );
}
