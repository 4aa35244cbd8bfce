import { callerOf, decodeCursor, IdParams, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import { visibleDeal } from '../http.ts';
import { Cursor, ListLimit, PAGE_LIMIT_DEFAULT, Page } from '../schemas.ts';

const AuditEntry = Type.Object({
  version: Type.Integer(),
  type: Type.String(),
  data: Type.Object({}, { additionalProperties: true }),
  traceId: Type.Union([Type.String(), Type.Null()]),
  recordedAt: Type.String({ format: 'date-time' }),
});

/** A cursor is the last version of a page; versions are PostgreSQL integers, so at most 9 digits. */
const versionKey = (key: string): number | undefined => (/^\d{1,9}$/.test(key) ? Number(key) : undefined);

/**
 * The deal's audit trail: every event of its stream, oldest first, exactly as recorded (amounts in minor
 * units), with the trace id of the request that caused it. Parties and staff only.
 */
export function dealEventsRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Params: { id: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/v1/deals/:id/events',
    {
      schema: {
        summary: "A deal's audit trail",
        tags: ['deals'],
        params: IdParams,
        querystring: Type.Object({ limit: ListLimit, cursor: Cursor }, { additionalProperties: false }),
        response: { 200: Page(AuditEntry), 400: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      await visibleDeal(ports, callerOf(request), request.params.id);
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const after = decodeCursor(request.query.cursor, versionKey) ?? 0;
      const entries = await ports.auditTrail(request.params.id, after, limit + 1);
      return pageOf(
        entries,
        limit,
        (e) => String(e.version),
        (e) => ({ ...e, recordedAt: e.recordedAt.toISOString() }),
      );
    },
  );
}
