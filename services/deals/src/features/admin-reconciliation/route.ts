import { decodeCursor, ProblemRef, pageOf } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import type { Finding } from '../reconciliation/ports.ts';
import { Cursor, ListLimit, PAGE_LIMIT_DEFAULT, Page } from '../schemas.ts';

const FindingsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
    limit: ListLimit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);

const Side = Type.Union([
  Type.Object({ status: Type.String({ description: "The deal's status here, or the bank's deal status" }) }),
  Type.Object({ amount: Type.Integer({ description: 'Minor units' }) }),
]);

const FindingView = Type.Object({
  id: Type.String(),
  kind: Type.Union([
    Type.Literal('deal_state'),
    Type.Literal('escrow_balance'),
    Type.Literal('virtual_account_balance'),
  ]),
  subject: Type.String({ description: "A deal's id, or payer:<user id> for a payer's virtual account" }),
  dealId: Type.Union([Type.String(), Type.Null()]),
  ours: Side,
  bank: Side,
  detail: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  detectedAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time', description: 'The last run that still found it' }),
  resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const side = (s: Finding['ours']) => ('status' in s ? { status: s.status } : { amount: Number(s.amount) });

function view(f: Finding) {
  return {
    id: `rcf_${f.seq}`,
    kind: f.kind,
    subject: f.subject,
    dealId: f.dealId,
    ours: side(f.ours),
    bank: side(f.bank),
    detail: f.detail,
    status: f.resolvedAt === null ? ('open' as const) : ('resolved' as const),
    detectedAt: f.detectedAt.toISOString(),
    lastSeenAt: f.lastSeenAt.toISOString(),
    resolvedAt: f.resolvedAt?.toISOString() ?? null,
  };
}

/** A cursor is the last finding's sequence number; findings run newest first. */
const seqOf = (key: string) => (/^[1-9]\d{0,18}$/.test(key) ? BigInt(key) : undefined);

/**
 * Reconciliation's findings for operators (ADR 0033): every difference between the bank and deals, newest
 * first, open ones (`?status=open`) being the ones still there at the last run.
 */
export function adminReconciliationRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Querystring: { status?: 'open' | 'resolved'; limit?: number; cursor?: string } }>(
    '/v1/admin/reconciliation',
    {
      config: { auth: { roles: ['operator', 'admin'] } },
      schema: {
        summary: 'Reconciliation findings (staff)',
        tags: ['deals', 'admin'],
        querystring: FindingsQuery,
        response: { 200: Page(FindingView), 400: ProblemRef, 403: ProblemRef },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? PAGE_LIMIT_DEFAULT;
      const rows = await ports.listFindings(
        { status: q.status, beforeSeq: decodeCursor(q.cursor, seqOf) },
        limit + 1,
      );
      return pageOf(rows, limit, (f) => String(f.seq), view);
    },
  );
}
