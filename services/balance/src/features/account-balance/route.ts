import { IdParams, ProblemRef, Timestamp } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { canUseAccount } from '../../domain/access.ts';
import { balanceErrors } from '../../domain/errors.ts';
import { money } from '../../domain/views.ts';
import type { BalancePorts } from '../../ports.ts';
import { actor } from '../support.ts';

const BalanceAt = Type.Object({
  accountId: Type.String(),
  currency: Type.String(),
  at: Timestamp,
  balance: Type.Integer({ description: 'Posted balance at that instant (0 before the first entry)' }),
});

/** The posted balance at a past instant, from the entries (what the history says it was). */
export function accountBalanceRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.get<{ Params: { id: string }; Querystring: { at: string } }>(
    '/v1/accounts/:id/balance',
    {
      schema: {
        summary: "An account's balance at an instant",
        tags: ['accounts'],
        params: IdParams,
        querystring: Type.Object({ at: Timestamp }, { additionalProperties: false }),
        response: { 200: BalanceAt, 400: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const account = await ports.accounts.find(request.params.id);
      if (!account || !canUseAccount(actor(request), account.ownerId))
        throw balanceErrors.account_not_found(`No account ${request.params.id}`);
      const at = new Date(request.query.at);
      const balance = await ports.accounts.balanceAt(account.id, at);
      return {
        accountId: account.id,
        currency: account.currency,
        at: at.toISOString(),
        balance: money(balance),
      };
    },
  );
}
