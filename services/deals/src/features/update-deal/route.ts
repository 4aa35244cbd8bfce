import { callerOf, Id, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { NewMilestone } from '../../domain/decide.ts';
import { dealErrors } from '../../domain/errors.ts';
import { dealView } from '../../domain/view.ts';
import type { DealsPorts } from '../../ports.ts';
import { actorOf, newMilestones, recipientUserIdsOf, visibleDeal } from '../http.ts';
import { DealView, type MilestoneBody, Milestones, Title } from '../schemas.ts';

const PatchBody = Type.Object(
  { title: Type.Optional(Title), payerId: Type.Optional(Id), milestones: Type.Optional(Milestones) },
  { additionalProperties: false, minProperties: 1 },
);
const IfMatch = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 20, description: 'The deal version, e.g. "3"' })),
});

/** If-Match carries the version GET answered as its ETag; quoted or not, weak or not. */
function versionOf(header: string | undefined): number {
  if (header === undefined) throw dealErrors.if_match_required();
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!m) throw dealErrors.if_match_invalid(`If-Match ${header} is not a deal version`);
  return Number(m[1]);
}

/**
 * The agent changes a draft's terms. The request names the version it was made from (If-Match), so an edit
 * made from a stale copy is refused with 409 deal_version_conflict instead of overwriting a newer one; that
 * also makes a repeated PATCH safe without an Idempotency-Key. Milestones, when sent, replace them all.
 */
export function updateDealRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.patch<{
    Params: { id: string };
    Headers: { 'if-match'?: string };
    Body: { title?: string; payerId?: string; milestones?: MilestoneBody[] };
  }>(
    '/v1/deals/:id',
    {
      schema: {
        summary: 'Change a draft deal',
        tags: ['deals'],
        params: IdParams,
        headers: IfMatch,
        body: PatchBody,
        response: {
          200: DealView,
          400: ProblemRef,
          403: ProblemRef,
          404: ProblemRef,
          409: ProblemRef,
          422: ProblemRef,
          428: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const expectedVersion = versionOf(request.headers['if-match']);
      await visibleDeal(ports, caller, request.params.id);
      const deal = await ports.loadDeal(request.params.id);
      if (!deal) throw dealErrors.deal_not_found(`No deal ${request.params.id}`);
      const b = request.body;
      const milestones: NewMilestone[] = b.milestones
        ? newMilestones(ports, b.milestones)
        : deal.milestones.map((m) => ({ ...m, payoutIds: m.payouts.map((p) => p.id) }));
      const outcome = await ports.command({
        dealId: deal.id,
        expectedVersion,
        actor: actorOf(caller),
        traceId: request.traceId,
        command: {
          kind: 'revise',
          title: b.title ?? deal.title,
          payerId: b.payerId ?? deal.payerId,
          amount: milestones.reduce((sum, m) => sum + m.amount, 0n),
          milestones,
          recipientUserIds: await recipientUserIdsOf(ports, milestones),
        },
      });
      if (!outcome.ok) throw dealErrors[outcome.code]();
      void reply.header('etag', `"${outcome.deal.version}"`);
      return dealView(outcome.deal);
    },
  );
}
