import { IdParams, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { canUseAccount } from '../../domain/access.ts';
import { balanceErrors } from '../../domain/errors.ts';
import { entryView } from '../../domain/views.ts';
import type { BalancePorts } from '../../ports.ts';
import { EntryView, PageQuery, page } from '../schemas.ts';
import { actor, pageRequest, parseVersionKey } from '../support.ts';

/** An account's history: one entry per posted movement with the balance after it, newest first. */
export function accountEntriesRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.get<{ Params: { id: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/v1/accounts/:id/entries',
    {
      schema: {
        summary: "An account's entries with balanceAfter",
        tags: ['accounts'],
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: page(EntryView), 400: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const account = await ports.accounts.find(request.params.id);
      if (!account || !canUseAccount(actor(request), account.ownerId))
        throw balanceErrors.account_not_found(`No account ${request.params.id}`);
      const req = pageRequest(request.query, parseVersionKey);
      const items = await ports.accounts.entries(account.id, req);
      return pageOf(items, req.limit, (e) => e.version.toString(), entryView);
    },
  );
}
