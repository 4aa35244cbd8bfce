import { callerOf, IdempotencyHeaders, idempotently, ProblemRef } from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { dealErrors } from '../../domain/errors.ts';
import { checkRecipient, type LegalType, type Recipient, recipientView } from '../../domain/recipient.ts';
import type { DealsPorts } from '../../ports.ts';
import { RecipientBody, RecipientView } from '../schemas.ts';

interface RecipientInput {
  legalType: LegalType;
  name: string;
  inn: string;
  bankDetails: { accountNumber: string; bik: string };
}

/**
 * The caller's payout profile: created on the first call (201), its details replaced on a later one (200;
 * its id stays, so the shares naming it follow). The INN's check digits and the account's control key
 * against the BIK are checked as a bank would, so a payout is not refused later for a typo.
 */
export function saveRecipientRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Body: RecipientInput }>(
    '/v1/recipients',
    {
      schema: {
        summary: 'Create or replace my payout profile',
        tags: ['recipients'],
        headers: IdempotencyHeaders,
        body: RecipientBody,
        response: { 200: RecipientView, 201: RecipientView, 400: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const b = request.body;
      const details = {
        legalType: b.legalType,
        name: b.name.trim(),
        inn: b.inn,
        accountNumber: b.bankDetails.accountNumber,
        bik: b.bankDetails.bik,
      };
      const refused = checkRecipient(details);
      if (refused) throw dealErrors[refused]();
      return idempotently(request, reply, (req) =>
        ports.saveRecipient(
          req,
          (existing, now): Recipient => ({
            id: existing?.id ?? ports.newId('rcp'),
            userId: caller.sub,
            ...details,
            createdAt: existing?.createdAt ?? now,
            updatedAt: now,
          }),
          (r, created) => jsonResponse(created ? 201 : 200, recipientView(r)),
        ),
      );
    },
  );
}
