import { callerOf, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealRole, DealsPorts } from '../../ports.ts';
import { beforeIdOf } from '../http.ts';
import { Cursor, DEAL_STATUSES, DealView, ListLimit, PAGE_LIMIT_DEFAULT, Page } from '../schemas.ts';

const ListQuery = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('payer')])),
    status: Type.Optional(Type.Union(DEAL_STATUSES.map((s) => Type.Literal(s)))),
    limit: ListLimit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

/** The caller's deals (as the agent who drafted them, as the payer, or both), newest first, a page at a time. */
export function listDealsRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Querystring: { role?: DealRole; status?: string; limit?: number; cursor?: string } }>(
    '/v1/deals',
    {
      schema: {
        summary: "The caller's deals",
        tags: ['deals'],
        querystring: ListQuery,
        response: { 200: Page(DealView), 400: ProblemRef },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? PAGE_LIMIT_DEFAULT;
      const rows = await ports.listViews(
        callerOf(request).sub,
        { role: q.role, status: q.status, beforeId: beforeIdOf(q.cursor) },
        limit + 1,
      );
      return pageOf(
        rows,
        limit,
        (d) => d.id,
        (d) => d,
      );
    },
  );
}
