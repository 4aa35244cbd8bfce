import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bankErrors } from '../domain/errors.ts';
import { OPERATION_READY_MS, RESULT_RETENTION_MS } from '../domain/self-employed.ts';
import { numberField } from '../http/lossless-body.ts';
import type { BankPorts, Queryable } from '../ports.ts';
import { doc, keyed, sendOutcome, UUID } from './http.ts';

/** The self-employed API's prefix; the sandbox's rate limit gives every method under it 1 request/s. */
export const SELF_EMPLOYED_PREFIX = '/api/v1/self-employed';
export const SELF_EMPLOYED_TAG = 'Self-employed';

type OperationKind = Parameters<BankPorts['store']['insertOperation']>[2]['kind'];

/** The caller's correlationId of an asynchronous call; the sandbox makes one when it is left out. */
export const CORRELATION_ID = {
  ...UUID,
  description: 'The id to poll the result by (a UUID); made by the bank when left out',
};
export const REGISTRY_ID = numberField('The payment registry', 1, 2 ** 31 - 1);

const CORRELATION_QUERY = {
  type: 'object',
  additionalProperties: false,
  required: ['correlationId'],
  properties: { correlationId: UUID },
} as const;

/** What an asynchronous call records: its answer while it runs, and its result once ready. */
export interface Started {
  readonly registryId?: number;
  readonly pending: unknown;
  readonly result: unknown;
}

/**
 * Runs an asynchronous call under Idempotency-Key: `work` makes the change and says what the call's
 * /result will answer; the caller gets `{correlationId}` at once. A correlationId used by another call
 * is refused with 409.
 */
export async function startOperation(
  ports: BankPorts,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: OperationKind,
  work: (tx: Queryable, now: Date) => Promise<Started>,
): Promise<FastifyReply> {
  const body = request.body as { correlationId?: string };
  const outcome = await ports.idempotent(keyed(request), async (tx) => {
    const correlationId = (body.correlationId ?? ports.newId()).toLowerCase();
    const now = ports.sim.clock.now();
    const started = await work(tx, now);
    const fresh = await ports.store.insertOperation(tx, correlationId, {
      kind,
      registryId: started.registryId ?? null,
      pending: started.pending,
      result: started.result,
      readyAt: new Date(now.getTime() + OPERATION_READY_MS),
      createdAt: now,
    });
    if (!fresh) throw bankErrors.CONFLICT(`correlationId ${correlationId} is taken by another call`);
    return { status: 200, body: { correlationId } };
  });
  return sendOutcome(reply, outcome);
}

/**
 * GET `<path>/result?correlationId=`: the call's answer while it runs, then its result, kept two days.
 * `finish` computes a result that is read when asked (the receipts, which change after the call).
 */
export function resultRoute(
  app: FastifyInstance,
  ports: BankPorts,
  path: string,
  kind: OperationKind,
  finish?: (db: Queryable, registryId: number | null) => Promise<unknown>,
): void {
  app.get(
    `${path}/result`,
    {
      schema: doc(SELF_EMPLOYED_TAG, `The result of ${kind} by its correlationId`, {
        querystring: CORRELATION_QUERY,
      }),
    },
    async (request) => {
      const { correlationId } = request.query as { correlationId: string };
      const op = await ports.store.findOperation(ports.db, correlationId.toLowerCase());
      const now = ports.sim.clock.now().getTime();
      if (!op || op.kind !== kind || op.createdAt.getTime() + RESULT_RETENTION_MS <= now)
        throw bankErrors.NOT_FOUND(`No ${kind} call with correlationId ${correlationId}`);
      if (now < op.readyAt.getTime()) return op.pending;
      return finish ? finish(ports.db, op.registryId) : op.result;
    },
  );
}

/** Route docs of the self-employed API; `create` documents the Idempotency-Key header. */
export const seDoc = (summary: string, extra: Record<string, unknown> = {}, create = false) =>
  doc(SELF_EMPLOYED_TAG, summary, extra, create);

/** A query sent as POST (list) may come without a body: it is read as one with no filters. */
export async function emptyBodyAsNoFilters(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
