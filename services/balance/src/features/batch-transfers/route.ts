import { httpErrors, IdempotencyHeaders, idempotently, ProblemRef, problemResponse } from '@strongbox/http';
import { jsonResponse } from '@strongbox/kernel';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { balanceErrors, rejectionError } from '../../domain/errors.ts';
import { transferView } from '../../domain/views.ts';
import type { BalancePorts, CommandOutcome } from '../../ports.ts';
import { NewTransferBody, type NewTransferInput, TransferView } from '../schemas.ts';
import { actor } from '../support.ts';
import { createCommand, transferInputProblems } from '../transfer-commands.ts';

export const BATCH_TRANSFERS_MAX = 1_000;
/** A full batch with descriptions and metadata exceeds the default 256 KiB body limit. */
export const BATCH_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

const Body = Type.Object(
  {
    transfers: Type.Array(NewTransferBody, { minItems: 1, maxItems: BATCH_TRANSFERS_MAX }),
    atomic: Type.Optional(Type.Boolean({ description: 'All or nothing (default false: a result per item)' })),
  },
  { additionalProperties: false },
);

const ItemResult = Type.Union([
  Type.Object({ ok: Type.Literal(true), transfer: TransferView }),
  Type.Object({
    ok: Type.Literal(false),
    error: Type.Object({ status: Type.Integer(), code: Type.String(), detail: Type.String() }),
  }),
]);

function render(request: FastifyRequest, atomic: boolean) {
  return (outcomes: readonly CommandOutcome[]) => {
    if (!atomic) {
      return jsonResponse(200, {
        results: outcomes.map((o) => {
          if (o.ok) return { ok: true, transfer: transferView(o.transfer) };
          const err = rejectionError(o.rejection);
          return { ok: false, error: { status: err.status, code: err.code, detail: err.message } };
        }),
      });
    }
    const failed = outcomes.findIndex((o) => !o.ok);
    const failure = outcomes[failed];
    if (failure && !failure.ok) {
      const { code, detail } = failure.rejection;
      return problemResponse(
        request,
        balanceErrors[code](`Transfer ${failed} failed, so none was made: ${detail}`, {
          errors: [{ field: `body/transfers/${failed}`, message: `${code}: ${detail}` }],
        }),
      );
    }
    return jsonResponse(201, { data: outcomes.map((o) => (o.ok ? transferView(o.transfer) : null)) });
  };
}

/**
 * Up to 1,000 transfers in one request and one group-commit unit: all or nothing with `atomic: true`
 * (201, or the first failure's problem), else 200 with a result per item in order.
 */
export function batchTransfersRoute(app: FastifyInstance, ports: BalancePorts): void {
  app.post<{ Body: { transfers: NewTransferInput[]; atomic?: boolean } }>(
    '/v1/transfers/batch',
    {
      bodyLimit: BATCH_BODY_LIMIT_BYTES,
      schema: {
        summary: 'Create up to 1,000 transfers at once',
        tags: ['transfers'],
        headers: IdempotencyHeaders,
        body: Body,
        response: {
          200: Type.Object({ results: Type.Array(ItemResult) }),
          201: Type.Object({ data: Type.Array(TransferView) }),
          400: ProblemRef,
          404: ProblemRef,
          409: ProblemRef,
          422: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      const { transfers, atomic = false } = request.body;
      const problems = transfers.flatMap((t, i) => transferInputProblems(t, `body/transfers/${i}`));
      if (problems.length > 0)
        throw httpErrors.validation_failed('The request has invalid fields', { errors: problems });
      const caller = actor(request);
      const commands = transfers.map((t) => createCommand(t, caller, ports, request.traceId));
      return idempotently(
        request,
        reply,
        (idempotency) =>
          ports.ledger.submit({
            commands,
            atomic,
            idempotency,
            traceId: request.traceId,
            render: render(request, atomic),
          }),
        ports.inFlight,
      );
    },
  );
}
