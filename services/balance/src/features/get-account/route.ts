import { IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { canUseAccount } from '../../domain/access.ts';
import { balanceErrors } from '../../domain/errors.ts';
import { accountView } from '../../domain/views.ts';
import type { BalancePorts } from '../../ports.ts';
import { AccountView } from '../schemas.ts';
import { actor } from '../support.ts';

/** One account, its figures read from the database (never cached). Another user's answers 404. */
export function getAccountRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.get<{ Params: { id: string } }>(
    '/v1/accounts/:id',
    {
      schema: {
        summary: 'An account with its balance, held and available amounts',
        tags: ['accounts'],
        params: IdParams,
        response: { 200: AccountView, 404: ProblemRef },
      },
    },
    async (request) => {
      const account = await ports.accounts.find(request.params.id);
      if (!account || !canUseAccount(actor(request), account.ownerId))
        throw balanceErrors.account_not_found(`No account ${request.params.id}`);
      return accountView(account);
    },
  );
}
