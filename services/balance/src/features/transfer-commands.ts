import { problemResponse } from '@strongbox/http';
import type { FieldError } from '@strongbox/kernel';
import { jsonResponse, type StoredResponse } from '@strongbox/kernel';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/access.ts';
import { inStoredOrder } from '../domain/as-stored.ts';
import type { LedgerCommand } from '../domain/decide.ts';
import { rejectionError } from '../domain/errors.ts';
import { PENDING_TIMEOUT_DEFAULT_S } from '../domain/ledger.ts';
import { transferView } from '../domain/views.ts';
import type { BalancePorts, CommandOutcome } from '../ports.ts';
import type { NewTransferInput } from './schemas.ts';

/** Field problems the schema cannot express: a timeout means nothing without `pending: true`. */
export function transferInputProblems(input: NewTransferInput, field: string): FieldError[] {
  if (input.timeoutSeconds !== undefined && input.pending !== true)
    return [{ field: `${field}/timeoutSeconds`, message: 'is only allowed with pending: true' }];
  return [];
}

export function createCommand(
  input: NewTransferInput,
  caller: Actor,
  ports: BalancePorts,
  traceId: string,
): LedgerCommand {
  const pending = input.pending === true;
  return {
    kind: 'create',
    actor: caller,
    transfer: {
      id: ports.newTransferId(),
      debitAccountId: input.debitAccountId,
      creditAccountId: input.creditAccountId,
      amount: BigInt(input.amount),
      currency: input.currency,
      pending,
      timeoutSeconds: pending ? (input.timeoutSeconds ?? PENDING_TIMEOUT_DEFAULT_S) : null,
      description: input.description ?? null,
      // In the order the row keeps it, so an answer rendered again from the row is the same (ADR 0037).
      metadata: inStoredOrder(input.metadata ?? {}),
      traceId,
    },
  };
}

/** The answer to a single-transfer command: the transfer, or the problem its rejection maps to. */
export function renderOne(request: FastifyRequest, okStatus: number) {
  return (outcomes: readonly CommandOutcome[]): StoredResponse => {
    const o = outcomes[0];
    if (!o) throw new Error('a single command produced no outcome');
    return o.ok
      ? jsonResponse(okStatus, transferView(o.transfer))
      : problemResponse(request, rejectionError(o.rejection));
  };
}
