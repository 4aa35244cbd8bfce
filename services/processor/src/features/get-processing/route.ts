import { Id, ProblemRef } from '@strongbox/http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { processorErrors } from '../../domain/errors.ts';
import { PROCESSING_STATUSES, type ProcessingRecord, processingView } from '../../domain/processing.ts';

const View = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  traceId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(PROCESSING_STATUSES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** Staff look at how an order is being processed: status, attempts, last error, timestamps. */
export function getProcessingRoute(
  app: FastifyInstance,
  ports: { findByOrder(orderId: string): Promise<ProcessingRecord | undefined> },
): void {
  app.get<{ Params: { orderId: string } }>(
    '/v1/processing/:orderId',
    {
      config: { auth: { roles: ['operator', 'admin'] } },
      schema: {
        summary: "An order's processing record",
        tags: ['processing'],
        params: Type.Object({ orderId: Id }),
        response: { 200: View, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const r = await ports.findByOrder(request.params.orderId);
      if (!r)
        throw processorErrors.processing_not_found(`No processing record for ${request.params.orderId}`);
      return processingView(r);
    },
  );
}
