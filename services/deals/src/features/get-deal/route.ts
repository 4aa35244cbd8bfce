import { callerOf, IdParams, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import type { DealView as View } from '../../domain/view.ts';
import type { DealsPorts, NominalAccount } from '../../ports.ts';
import { visibleDeal } from '../http.ts';
import { DealDetail } from '../schemas.ts';

/** The payer's transfer, while the bank waits for it: the nominal account, the amount and the purpose. */
function payTo(view: View, account: NominalAccount | undefined) {
  if (view.status !== 'awaiting_payment' || !account) return {};
  return { payTo: { ...account, amount: view.amount, purpose: view.paymentPurpose } };
}

/**
 * One deal with its milestones and payouts, and while it awaits payment where to pay: its parties' and
 * staff's; anyone else's answers 404.
 */
export function getDealRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get<{ Params: { id: string } }>(
    '/v1/deals/:id',
    {
      schema: {
        summary: 'A deal',
        tags: ['deals'],
        params: IdParams,
        response: { 200: DealDetail, 404: ProblemRef },
      },
    },
    async (request, reply) => {
      const view = await visibleDeal(ports, callerOf(request), request.params.id);
      // The version is what PATCH's If-Match names.
      void reply.header('etag', `"${view.version}"`);
      return { ...view, ...payTo(view, ports.nominalAccount) };
    },
  );
}
