import {
  type AppError,
  type IdempotentOutcome,
  type IdempotentRequest,
  refId,
  requestHash,
  type StoredResponse,
} from '@strongbox/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpErrors, PROBLEM_CONTENT_TYPE, problemOf } from './problem.ts';
import { callerOf, pathOf } from './request.ts';

/**
 * The HTTP side of the Idempotency-Key (brief §4, ADR 0012 and 0020): the request's identity is read off
 * the request, the work runs through the service's store, and the outcome is sent (a replay byte for
 * byte) or refused (422, 409) here, the same way in every service.
 *
 * @example
 * return idempotently(request, reply, (req) => ports.createOrder(req, order));
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * How long a request waits for a twin with the same key running in this process before answering 409
 * idempotency_in_progress. A twin in another instance is waited for by the database instead.
 */
export const IDEMPOTENCY_WAIT_MS = 10_000;

/** Keyed requests of this process that are running now, by `refId`; their twins share the execution. */
export type InFlightKeys = Map<string, Promise<{ hash: Buffer; outcome: IdempotentOutcome }>>;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Refuses a request that carries the Idempotency-Key header more than once. Node joins repeats into
 * one value ("a, b"), which would silently become a third key; only the raw headers show them apart.
 */
export function refuseRepeatedIdempotencyKey(request: FastifyRequest): void {
  const raw = request.raw.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === IDEMPOTENCY_KEY_HEADER.length && name.toLowerCase() === IDEMPOTENCY_KEY_HEADER)
      seen += 1;
  }
  if (seen > 1) {
    throw httpErrors.idempotency_key_repeated('Send exactly one Idempotency-Key header', {
      errors: [{ field: `headers/${IDEMPOTENCY_KEY_HEADER}`, message: 'is sent more than once' }],
    });
  }
}

/**
 * The request's identity under its key: the caller is the scope, and method, path and body are hashed.
 * The route's schema (IdempotencyHeaders) has required the key.
 */
export function idempotentRequestOf(request: FastifyRequest): IdempotentRequest {
  refuseRepeatedIdempotencyKey(request);
  return {
    scope: callerOf(request).sub,
    key: request.headers[IDEMPOTENCY_KEY_HEADER] as string,
    requestHash: requestHash(request.method, pathOf(request), request.body),
  };
}

/** A problem document as the answer stored under a key (a business rejection is kept like a success). */
export function problemResponse(request: FastifyRequest, err: AppError): StoredResponse {
  return {
    status: err.status,
    body: JSON.stringify(problemOf(err, request.traceId, pathOf(request))),
  };
}

/** Sends an outcome: the stored answer byte for byte (a replay says so in `Idempotent-Replayed: true`). */
export function sendStored(reply: FastifyReply, outcome: IdempotentOutcome): FastifyReply {
  switch (outcome.kind) {
    case 'done': {
      const { status, body } = outcome.response;
      if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
      // Already JSON text: Fastify sends a string with a JSON content type as it is.
      return reply
        .code(status)
        .type(status >= 400 ? PROBLEM_CONTENT_TYPE : JSON_CONTENT_TYPE)
        .send(body);
    }
    case 'mismatch':
      throw httpErrors.idempotency_key_reused('This Idempotency-Key was used for a different request');
    case 'running':
      throw httpErrors.idempotency_in_progress('A request with this Idempotency-Key is still running');
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

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

/**
 * Runs a keyed POST at most once per (caller, Idempotency-Key) and sends its outcome. `run` makes the
 * service's store decide, across instances too. With `inFlight`, twins in this process do not reach the
 * store: they wait (at most IDEMPOTENCY_WAIT_MS) for the first one and answer its outcome as a replay.
 */
export async function idempotently(
  request: FastifyRequest,
  reply: FastifyReply,
  run: (req: IdempotentRequest) => Promise<IdempotentOutcome>,
  inFlight?: InFlightKeys,
): Promise<FastifyReply> {
  const req = idempotentRequestOf(request);
  if (!inFlight) return sendStored(reply, await run(req));
  const id = refId(req);
  const first = inFlight.get(id);
  if (first) {
    const done = await within(first, IDEMPOTENCY_WAIT_MS);
    if (!done) return sendStored(reply, { kind: 'running' });
    if (!done.hash.equals(req.requestHash)) return sendStored(reply, { kind: 'mismatch' });
    return sendStored(
      reply,
      done.outcome.kind === 'done' ? { ...done.outcome, replayed: true } : done.outcome,
    );
  }
  const execution = run(req).then((outcome) => ({ hash: req.requestHash, outcome }));
  inFlight.set(id, execution);
  try {
    return sendStored(reply, (await execution).outcome);
  } finally {
    inFlight.delete(id);
  }
}
