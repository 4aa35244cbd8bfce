import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../domain/endpoint.ts';
import { canAccess, type Endpoint } from '../domain/endpoint.ts';
import { webhookErrors } from '../domain/errors.ts';
import type { StoredResponse, WebhookStore, WebhooksPorts } from '../ports.ts';

/** Helpers the webhook routes share: the caller, access checks, cursors and Idempotency-Key replies. */

export function callerOf(request: FastifyRequest): Caller {
  // Every webhook route requires a token, so the edge has set the principal before any handler runs.
  const p = request.principal;
  if (!p) throw webhookErrors.endpoint_not_found();
  return { sub: p.sub, roles: p.roles };
}

/** The endpoint if the caller may see it; otherwise, whether it exists or not, 404 (brief §6). */
export async function accessibleEndpoint(store: WebhookStore, caller: Caller, id: string): Promise<Endpoint> {
  const e = await store.findEndpoint(id);
  if (!e || !canAccess(caller, e.ownerId)) throw webhookErrors.endpoint_not_found(`No endpoint ${id}`);
  return e;
}

/** Cursors are opaque: the base64url of the last id on the page (lists run newest first, by id). */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{2,5}_[0-9a-f-]{36}$/.test(id))
    throw webhookErrors.invalid_cursor('Use a nextCursor from a list');
  return id;
}

/** Fetch `limit + 1` rows; the extra one only says whether there is a next page. */
export function pageOf<T extends { id: string }, V>(rows: readonly T[], limit: number, view: (row: T) => V) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    data: items.map(view),
    nextCursor: rows.length > limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null,
  };
}

/** Runs a POST under its Idempotency-Key (required by the route's header schema) and sends the result. */
export async function replyIdempotently(
  request: FastifyRequest,
  reply: FastifyReply,
  ports: WebhooksPorts,
  work: (store: WebhookStore) => Promise<StoredResponse>,
): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'] as string;
  const outcome = await ports.idempotent(
    {
      scope: callerOf(request).sub,
      key,
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      body: request.body,
    },
    work,
  );
  if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
  // Already JSON text: Fastify sends a string with a JSON content type as it is.
  return reply.code(outcome.status).type('application/json; charset=utf-8').send(outcome.bodyJson);
}
