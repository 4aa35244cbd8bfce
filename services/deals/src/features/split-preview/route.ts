import { ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { dealErrors } from '../../domain/errors.ts';
import { split } from '../../domain/split.ts';
import type { DealsPorts } from '../../ports.ts';
import { rulesOf } from '../http.ts';
import { Amount, Recipients, type ShareInput } from '../schemas.ts';

const PreviewBody = Type.Object({ amount: Amount, recipients: Recipients }, { additionalProperties: false });

/**
 * What a split would pay each recipient, exactly to the kopeck, by the same function the deal uses when it
 * is created: the preview is the payout. A rule that cannot add up is a 422 with its own code. It changes
 * nothing, so it needs no Idempotency-Key. A share naming `platform_fee` is the configured platform's,
 * with its minimum, as in a deal.
 */
export function splitPreviewRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Body: { amount: number; recipients: Array<{ recipientId: string; share: ShareInput }> } }>(
    '/v1/deals/split-preview',
    {
      schema: {
        summary: 'Preview how an amount splits between recipients',
        tags: ['deals'],
        body: PreviewBody,
        response: {
          200: Type.Object({
            amount: Type.Integer(),
            shares: Type.Array(Type.Object({ recipientId: Type.String(), amount: Type.Integer() })),
          }),
          400: ProblemRef,
          422: ProblemRef,
        },
      },
    },
    async (request) => {
      const { amount, recipients } = request.body;
      const rules = rulesOf(ports, recipients);
      const result = split(BigInt(amount), rules);
      if (!result.ok) throw dealErrors[result.code]();
      return {
        amount,
        // Each share under the id the request named (`platform_fee` stays so), in the request's order.
        shares: result.shares.map((s, i) => ({
          recipientId: recipients[i]?.recipientId ?? s.recipientId,
          amount: Number(s.amount),
        })),
      };
    },
  );
}
