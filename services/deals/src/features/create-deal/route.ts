import { callerOf, Id, IdempotencyHeaders, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { dealErrors } from '../../domain/errors.ts';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand, newMilestones, recipientUserIdsOf } from '../http.ts';
import { DealView, type MilestoneBody, Milestones, Title } from '../schemas.ts';

const NewDealBody = Type.Object(
  {
    title: Title,
    /** The payer: their user id, or their email (deals asks identity); exactly one of the two. */
    payerId: Type.Optional(Id),
    payerEmail: Type.Optional(Type.String({ format: 'email', minLength: 3, maxLength: 254 })),
    currency: Type.Optional(Type.Literal('RUB')),
    milestones: Milestones,
  },
  { additionalProperties: false },
);
interface NewDealInput {
  title: string;
  payerId?: string;
  payerEmail?: string;
  currency?: 'RUB';
  milestones: MilestoneBody[];
}

/** Delay a client is told to wait when identity did not answer. */
export const IDENTITY_RETRY_AFTER_S = 1;

async function payerOf(ports: DealsPorts, b: NewDealInput, traceId: string): Promise<string> {
  if ((b.payerId === undefined) === (b.payerEmail === undefined)) throw dealErrors.payer_required();
  if (b.payerId !== undefined) return b.payerId;
  const found = await ports.userByEmail(b.payerEmail as string, traceId);
  if (found.kind === 'found') return found.userId;
  if (found.kind === 'unknown')
    throw dealErrors.payer_not_found('No user has this email', {
      errors: [{ field: 'body/payerEmail', message: 'is not the email of a user' }],
    });
  throw dealErrors.identity_unavailable('Try again with the same Idempotency-Key, or name the payer by id', {
    headers: { 'retry-after': String(IDENTITY_RETRY_AFTER_S) },
  });
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
        response: {
          201: DealView,
          400: ProblemRef,
          403: ProblemRef,
          409: ProblemRef,
          422: ProblemRef,
          503: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      callerOf(request);
      const b = request.body;
      const payerId = await payerOf(ports, b, request.traceId);
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
            payerId,
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
