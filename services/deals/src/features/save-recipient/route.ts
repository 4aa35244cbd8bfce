import { callerOf, IdempotencyHeaders, idempotently, ProblemRef, requireStepUp } from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { dealErrors } from '../../domain/errors.ts';
import {
  changesBankDetails,
  checkRecipient,
  type LegalType,
  type Recipient,
  type RecipientRole,
  recipientView,
} from '../../domain/recipient.ts';
import type { DealsPorts } from '../../ports.ts';
import { RecipientBody, RecipientView } from '../schemas.ts';

interface RecipientInput {
  role?: RecipientRole;
  legalType: LegalType;
  name: string;
  inn: string;
  bankDetails: { accountNumber: string; bik: string };
}

/**
 * The caller's payout profile: created on the first call (201), its details replaced on a later one (200;
 * its id stays, so the shares naming it follow). The INN's check digits and the account's control key
 * against the BIK are checked as a bank would, so a payout is not refused later for a typo. Changing the
 * bank details of an existing profile needs a fresh TOTP code (403 step_up_required); the first does not.
 * The role is the caller's to choose among agent, agency and lead (agent for a new profile, kept when
 * omitted); the platform's fee is configured, so claiming it is refused (422 recipient_role_reserved).
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
        response: {
          200: RecipientView,
          201: RecipientView,
          400: ProblemRef,
          403: ProblemRef,
          422: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const b = request.body;
      if (b.role === 'platform_fee') throw dealErrors.recipient_role_reserved();
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
          (existing, now): Recipient => {
            // Decided on the profile as locked in the transaction; throwing records nothing under the key.
            if (changesBankDetails(existing, details)) requireStepUp(request);
            return {
              id: existing?.id ?? ports.newId('rcp'),
              userId: caller.sub,
              role: b.role ?? existing?.role ?? 'agent',
              ...details,
              createdAt: existing?.createdAt ?? now,
              updatedAt: now,
            };
          },
          (r, created) => jsonResponse(created ? 201 : 200, recipientView(r)),
        ),
      );
    },
  );
}
