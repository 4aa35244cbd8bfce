import { callerOf, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { dealErrors } from '../../domain/errors.ts';
import { recipientView } from '../../domain/recipient.ts';
import type { DealsPorts } from '../../ports.ts';
import { RecipientView } from '../schemas.ts';

/** The caller's own payout profile; 404 until they have made one. */
export function getRecipientRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.get(
    '/v1/recipients/me',
    {
      schema: {
        summary: 'My payout profile',
        tags: ['recipients'],
        response: { 200: RecipientView, 404: ProblemRef },
      },
    },
    async (request) => {
      const r = await ports.recipientOf(callerOf(request).sub);
      if (!r) throw dealErrors.recipient_profile_not_found();
      return recipientView(r);
    },
  );
}
