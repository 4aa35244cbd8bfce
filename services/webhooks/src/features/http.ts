import { decodeCursor, idempotently, idKey } from '@strongbox/http';
import type { StoredResponse } from '@strongbox/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../domain/endpoint.ts';
import { canAccess, type Endpoint } from '../domain/endpoint.ts';
import { webhookErrors } from '../domain/errors.ts';
import type { WebhookStore, WebhooksPorts } from '../ports.ts';

/** Helpers the webhook routes share: access checks, the lists' cursor and Idempotency-Key replies. */

/** The endpoint if the caller may see it; otherwise, whether it exists or not, 404 (brief §6). */
export async function accessibleEndpoint(store: WebhookStore, caller: Caller, id: string): Promise<Endpoint> {
  const e = await store.findEndpoint(id);
  if (!e || !canAccess(caller, e.ownerId)) throw webhookErrors.endpoint_not_found(`No endpoint ${id}`);
  return e;
}

/** Lists run newest first, by id (endpoints `whe_`, deliveries `whd_`): a cursor is a page's last id. */
export function beforeIdOf(cursor: string | undefined): string | undefined {
  return decodeCursor(cursor, idKey(/^[a-z]{2,5}_[0-9a-f-]{36}$/));
}

/** Runs a POST under its Idempotency-Key (required by the route's header schema) and sends the result. */
export function replyIdempotently(
  request: FastifyRequest,
  reply: FastifyReply,
  ports: WebhooksPorts,
  work: (store: WebhookStore) => Promise<StoredResponse>,
): Promise<FastifyReply> {
  return idempotently(request, reply, (keyed) => ports.idempotent(keyed, work));
}
