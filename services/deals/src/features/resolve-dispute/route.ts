import { Id, IdempotencyHeaders } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { DealCommand } from '../../domain/decide.ts';
import type { DealsPorts } from '../../ports.ts';
import { keyedCommand } from '../http.ts';
import { Amount, DealView, PROBLEMS } from '../schemas.ts';

const Resolution = Type.Union([
  Type.Object(
    { outcome: Type.Union([Type.Literal('release'), Type.Literal('full_refund')]) },
    { additionalProperties: false },
  ),
  Type.Object({ outcome: Type.Literal('partial_refund'), amount: Amount }, { additionalProperties: false }),
]);
type ResolutionInput = { outcome: 'release' | 'full_refund' } | { outcome: 'partial_refund'; amount: number };

/**
 * Staff close a dispute: release the milestones due, refund all that is held, or refund part of it (taken
 * from the last unreleased milestones, each split again by its rules). The refund is recorded as intent;
 * the bank worker carries it out. Staff step up first (a TOTP code within 5 minutes, 403 step_up_required).
 */
export function resolveDisputeRoute(app: FastifyInstance, ports: DealsPorts): void {
  app.post<{ Params: { id: string; disputeId: string }; Body: ResolutionInput }>(
    '/v1/deals/:id/disputes/:disputeId/resolve',
    {
      // Money out of the deal on one staff decision: a fresh TOTP code too (ADR 0026).
      config: { auth: { roles: ['operator', 'admin'], stepUp: true } },
      schema: {
        summary: 'Resolve a dispute (staff)',
        tags: ['deals', 'admin'],
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Id, disputeId: Id }),
        body: Resolution,
        response: { 200: DealView, ...PROBLEMS },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const outcome: Extract<DealCommand, { kind: 'resolve_dispute' }>['outcome'] =
        b.outcome === 'partial_refund' ? { partialRefund: BigInt(b.amount) } : b.outcome;
      return keyedCommand(request, reply, ports, {
        dealId: request.params.id,
        // The dispute is named, so a resolution meant for one dispute never closes a later one.
        command: { kind: 'resolve_dispute', disputeId: request.params.disputeId, outcome },
      });
    },
  );
}
