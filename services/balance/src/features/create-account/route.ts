import { httpErrors, Id, IdempotencyHeaders, idempotently, ProblemRef, requireStepUp } from '@strongbox/http';
import type { FieldError } from '@strongbox/kernel';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Metadata as MetadataType } from '../../domain/ledger.ts';
import { accountView } from '../../domain/views.ts';
import type { BalancePorts } from '../../ports.ts';
import { AccountView, Currency, Metadata } from '../schemas.ts';
import { actor } from '../support.ts';

const Body = Type.Object(
  {
    currency: Currency,
    name: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000]*$' })),
    metadata: Type.Optional(Metadata),
    ownerId: Type.Optional(Id),
    allowNegative: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
interface BodyT {
  currency: string;
  name?: string;
  metadata?: MetadataType;
  ownerId?: string;
  allowNegative?: boolean;
}

/**
 * Opens an account. A customer opens their own; staff and services may open one for anyone and may allow
 * it to go negative (funding and settlement accounts carry the other side of every balance); staff do
 * that only with a fresh TOTP code (step-up, ADR 0026).
 */
export function createAccountRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.post<{ Body: BodyT }>(
    '/v1/accounts',
    {
      schema: {
        summary: 'Open an account',
        tags: ['accounts'],
        headers: IdempotencyHeaders,
        body: Body,
        response: { 201: AccountView, 400: ProblemRef, 403: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const caller = actor(request);
      const b = request.body;
      const refused: FieldError[] = [];
      if (!caller.privileged && b.ownerId !== undefined && b.ownerId !== caller.sub)
        refused.push({ field: 'body/ownerId', message: 'may only be set by operators, admins and services' });
      if (!caller.privileged && b.allowNegative === true)
        refused.push({
          field: 'body/allowNegative',
          message: 'may only be set by operators, admins and services',
        });
      if (refused.length > 0)
        throw httpErrors.forbidden('Only staff and services open accounts for others', { errors: refused });
      // An account allowed to go negative can pay out money nobody holds: staff need a fresh TOTP code.
      if (b.allowNegative === true) requireStepUp(request);
      return idempotently(
        request,
        reply,
        (idempotency) =>
          ports.accounts.create(
            {
              ownerId: b.ownerId ?? caller.sub,
              currency: b.currency,
              name: b.name ?? '',
              allowNegative: b.allowNegative ?? false,
              metadata: b.metadata ?? {},
              traceId: request.traceId,
            },
            idempotency,
            (account) => jsonResponse(201, accountView(account)),
          ),
        ports.inFlight,
      );
    },
  );
}
