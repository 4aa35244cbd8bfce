import { httpErrors } from '@strongbox/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { orderErrors } from '../domain/errors.ts';
import { canSeeOrder, type Order } from '../domain/order.ts';
import type { IdempotentOutcome, IdempotentRequest, OrdersPorts } from '../ports.ts';

/** Helpers the order routes share: the caller, access checks, cursors and Idempotency-Key replies. */

export interface Caller {
  readonly sub: string;
  readonly roles: readonly string[];
}

export function callerOf(request: FastifyRequest): Caller {
  // Every order route requires a token, so the edge has set the principal before any handler runs.
  const p = request.principal;
  if (!p) throw httpErrors.unauthenticated();
  return { sub: p.sub, roles: p.roles };
}

/** The order if the caller may see it; otherwise, whether it exists or not, 404 (brief §6). */
export async function visibleOrder(ports: OrdersPorts, caller: Caller, id: string): Promise<Order> {
  const o = await ports.findOrder(id);
  if (!o || !canSeeOrder(caller, o)) throw orderErrors.order_not_found(`No order ${id}`);
  return o;
}

export function keyedRequest(request: FastifyRequest): IdempotentRequest {
  return {
    scope: callerOf(request).sub,
    key: request.headers['idempotency-key'] as string,
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    body: request.body ?? {},
  };
}

export function sendOutcome(reply: FastifyReply, outcome: IdempotentOutcome): FastifyReply {
  if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
  // Already JSON text: Fastify sends a string with a JSON content type as it is.
  return reply.code(outcome.status).type('application/json; charset=utf-8').send(outcome.bodyJson);
}

/** Cursors are opaque: the base64url of the last id on the page (lists run newest first, by id). */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^ord_[0-9a-f-]{36}$/.test(id)) throw orderErrors.invalid_cursor('Use a nextCursor from a list');
  return id;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}
