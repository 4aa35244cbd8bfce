import { callerOf, Id, IdempotencyHeaders, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand, newMilestones, recipientUserIdsOf } from '../http.ts';
import { DealView, type MilestoneBody, Milestones, Title } from '../schemas.ts';

const NewDealBody = Type.Object(
  {
    title: Title,
    /** The payer's user id (identity's GET /v1/admin/users/lookup finds it by email). */
    payerId: Id,
    currency: Type.Optional(Type.Literal('RUB')),
    milestones: Milestones,
  },
  { additionalProperties: false },
);
interface NewDealInput {
  title: string;
  payerId: string;
  currency?: 'RUB';
  milestones: MilestoneBody[];
}

/**
 * An agent drafts a deal: its milestones, each with its release rule and the recipients' shares. The split
 * is computed now and kept, so what the preview showed is what is paid. The deal's amount is the sum of
 * its milestones. Nothing reaches the bank until the deal is submitted.
 */
export function createDealRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Body: NewDealInput }>(
    '/v1/deals',
    {
      config: { auth: { roles: ['agent'] } },
      schema: {
        summary: 'Draft a deal',
        tags: ['deals'],
        headers: IdempotencyHeaders,
        body: NewDealBody,
        response: { 201: DealView, 400: ProblemRef, 403: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      callerOf(request);
      const b = request.body;
      const milestones = newMilestones(ports, b.milestones);
      const recipientUserIds = await recipientUserIdsOf(ports, milestones);
      const dealId = ports.newId('deal');
      return keyedCommand(
        request,
        reply,
        ports,
        {
          dealId,
          command: {
            kind: 'create',
            dealId,
            title: b.title,
            payerId: b.payerId,
            amount: milestones.reduce((sum, m) => sum + m.amount, 0n),
            milestones,
            recipientUserIds,
          },
        },
        201,
      );
    },
  );
}
