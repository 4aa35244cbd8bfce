import { ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import { beforeIdOf } from '../http.ts';
import { Cursor, DEAL_STATUSES, DealView, ListLimit, PAGE_LIMIT_DEFAULT, Page } from '../schemas.ts';

const AdminListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(DEAL_STATUSES.map((s) => Type.Literal(s)))),
    limit: ListLimit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

/** Every deal, newest first, for staff: disputed deals waiting for a resolution, say (`?status=disputed`). */
export function adminListDealsRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Querystring: { status?: string; limit?: number; cursor?: string } }>(
    '/v1/admin/deals',
    {
      config: { auth: { roles: ['operator', 'admin'] } },
      schema: {
        summary: 'All deals (staff)',
        tags: ['deals', 'admin'],
        querystring: AdminListQuery,
        response: { 200: Page(DealView), 400: ProblemRef, 403: ProblemRef },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? PAGE_LIMIT_DEFAULT;
      const rows = await ports.listAllViews({ status: q.status, beforeId: beforeIdOf(q.cursor) }, limit + 1);
      return pageOf(
        rows,
        limit,
        (d) => d.id,
        (d) => d,
      );
    },
  );
}
