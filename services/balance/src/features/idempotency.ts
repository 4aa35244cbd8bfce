import { type IdempotentRequest, refId, requestHash } from '@strongbox/postgres/idempotency';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { balanceErrors } from '../domain/errors.ts';
import type { BalancePorts, IdempotentResult } from '../ports.ts';
import { actor, pathOf, sendStored } from './support.ts';

/**
 * How long a request waits for a twin with the same key running in this process before answering 409
 * idempotency_in_progress. A twin in another instance is waited for by the database instead.
 */
export const IDEMPOTENCY_WAIT_MS = 10_000;

async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function send(reply: FastifyReply, result: IdempotentResult, replayed: boolean): FastifyReply {
  switch (result.kind) {
    case 'done':
      return sendStored(reply, result.response, replayed || result.replayed);
    case 'mismatch':
      throw balanceErrors.idempotency_key_reused('This Idempotency-Key was used for a different request');
    case 'running':
      throw balanceErrors.idempotency_in_progress('A request with this Idempotency-Key is still running');
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

/**
 * Runs a POST at most once per (caller, Idempotency-Key) (brief §4, ADR 0012). Twins in this process
 * share the first one's execution; `run` makes the store in PostgreSQL decide across instances.
 */
export async function idempotently(
  ports: BalancePorts,
  request: FastifyRequest,
  reply: FastifyReply,
  run: (idempotency: IdempotentRequest) => Promise<IdempotentResult>,
): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'] as string;
  const idempotency = {
    scope: actor(request).sub,
    key,
    requestHash: requestHash(request.method, pathOf(request), request.body),
  };
  const id = refId(idempotency);
  const first = ports.inFlight.get(id);
  if (first) {
    const done = await within(first, IDEMPOTENCY_WAIT_MS);
    if (!done)
      throw balanceErrors.idempotency_in_progress('A request with this Idempotency-Key is still running');
    if (!done.hash.equals(idempotency.requestHash)) return send(reply, { kind: 'mismatch' }, false);
    return send(reply, done.result, true);
  }
  const execution = run(idempotency).then((result) => ({ hash: idempotency.requestHash, result }));
  ports.inFlight.set(id, execution);
  try {
    const { result } = await execution;
    return send(reply, result, false);
  } finally {
    ports.inFlight.delete(id);
  }
}
