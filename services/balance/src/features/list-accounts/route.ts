import { httpErrors, Id, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { accountView } from '../../domain/views.ts';
import type { BalancePorts } from '../../ports.ts';
import { AccountView, PageQuery, page } from '../schemas.ts';
import { actor, pageRequest, parseIdKey } from '../support.ts';

const Query = Type.Object({ ...PageQuery, ownerId: Type.Optional(Id) }, { additionalProperties: false });

/** The caller's accounts, newest first; staff and services see all, or one owner's with `ownerId`. */
export function listAccountsRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.get<{ Querystring: { limit?: number; cursor?: string; ownerId?: string } }>(
    '/v1/accounts',
    {
      schema: {
        summary: "List accounts (the caller's; staff may filter by owner)",
        tags: ['accounts'],
        querystring: Query,
        response: { 200: page(AccountView), 400: ProblemRef, 403: ProblemRef },
      },
    },
    async (request) => {
      const caller = actor(request);
      const { ownerId } = request.query;
      if (!caller.privileged && ownerId !== undefined && ownerId !== caller.sub)
        throw httpErrors.forbidden("Only staff and services list other owners' accounts");
      const req = pageRequest(request.query, parseIdKey);
      const items = await ports.accounts.list(
        { ownerId: caller.privileged ? (ownerId ?? null) : caller.sub },
        req,
      );
      return pageOf(items, req.limit, (a) => a.id, accountView);
    },
  );
}
