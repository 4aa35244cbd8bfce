import type { Queryable } from '@strongbox/postgres';
import type { DisabledReason, Endpoint, EndpointScope, EndpointStatus } from '../domain/endpoint.ts';

interface EndpointRow {
  id: string;
  owner_id: string;
  scope: EndpointScope;
  url: string;
  event_types: string[];
  description: string | null;
  status: EndpointStatus;
  disabled_reason: DisabledReason | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toEndpoint(r: EndpointRow): Endpoint {
  return {
    id: r.id,
    ownerId: r.owner_id,
    scope: r.scope,
    url: r.url,
    eventTypes: r.event_types,
    description: r.description,
    status: r.status,
    disabledReason: r.disabled_reason,
    secret: r.secret,
    previousSecret: r.previous_secret,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    failingSince: r.failing_since,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The trace id is kept on the row only, for operators: the API never shows it on the endpoint. */
export async function insertEndpoint(db: Queryable, e: Endpoint, traceId: string): Promise<void> {
  await db.query(
    `insert into endpoints (id, owner_id, scope, url, event_types, description, status, disabled_reason,
       secret, previous_secret, previous_secret_expires_at, failing_since, created_at, updated_at, trace_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      e.id,
      e.ownerId,
      e.scope,
      e.url,
      e.eventTypes,
      e.description,
      e.status,
      e.disabledReason,
      e.secret,
      e.previousSecret,
      e.previousSecretExpiresAt,
      e.failingSince,
      e.createdAt,
      e.updatedAt,
      traceId,
    ],
  );
}

/**
 * Counts an owner's endpoints under a transaction-scoped lock on the owner, so two concurrent creations
 * cannot both see room for one more.
 */
export async function countEndpointsOfLocked(tx: Queryable, ownerId: string): Promise<number> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`strongbox:webhooks:owner:${ownerId}`]);
  const { rows } = await tx.query<{ n: number }>(
    'select count(*)::int as n from endpoints where owner_id = $1',
    [ownerId],
  );
  return rows[0]?.n ?? 0;
}

export async function findEndpoint(db: Queryable, id: string): Promise<Endpoint | undefined> {
  const { rows } = await db.query<EndpointRow>('select * from endpoints where id = $1', [id]);
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

/** One page in id order (newest first); `ownerId` undefined lists every owner's (staff). */
export async function listEndpoints(
  db: Queryable,
  filter: { ownerId: string | undefined },
  page: { limit: number; beforeId: string | undefined },
): Promise<Endpoint[]> {
  const { rows } = await db.query<EndpointRow>(
    `select * from endpoints
     where ($1::text is null or owner_id = $1) and ($2::text is null or id < $2)
     order by id desc limit $3`,
    [filter.ownerId ?? null, page.beforeId ?? null, page.limit],
  );
  return rows.map(toEndpoint);
}

export async function updateEndpoint(
  db: Queryable,
  id: string,
  patch: { url?: string; eventTypes?: readonly string[]; description?: string | null },
  at: Date,
): Promise<Endpoint | undefined> {
  const { rows } = await db.query<EndpointRow>(
    `update endpoints set
       url = coalesce($2, url),
       event_types = coalesce($3, event_types),
       description = case when $4 then $5 else description end,
       updated_at = $6
     where id = $1 returning *`,
    [
      id,
      patch.url ?? null,
      patch.eventTypes ?? null,
      patch.description !== undefined,
      patch.description ?? null,
      at,
    ],
  );
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

/**
 * Disables an endpoint and fails its pending deliveries: nothing more is attempted or queued for it until
 * it is enabled again, and the failed deliveries can then be resent by hand.
 */
export async function disableEndpoint(
  tx: Queryable,
  id: string,
  reason: DisabledReason,
  at: Date,
): Promise<Endpoint | undefined> {
  const { rows } = await tx.query<EndpointRow>(
    `update endpoints set status = 'disabled', disabled_reason = $2, updated_at = $3
     where id = $1 returning *`,
    [id, reason, at],
  );
  await tx.query(
    `update deliveries set status = 'failed', next_attempt_at = null, updated_at = $2
     where endpoint_id = $1 and status = 'pending'`,
    [id, at],
  );
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

/** Enabling also forgets the failure streak: the endpoint gets a fresh five days. */
export async function enableEndpoint(db: Queryable, id: string, at: Date): Promise<Endpoint | undefined> {
  const { rows } = await db.query<EndpointRow>(
    `update endpoints set status = 'enabled', disabled_reason = null, failing_since = null, updated_at = $2
     where id = $1 returning *`,
    [id, at],
  );
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

export async function setSecrets(
  db: Queryable,
  id: string,
  s: Pick<Endpoint, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>,
  at: Date,
): Promise<Endpoint | undefined> {
  const { rows } = await db.query<EndpointRow>(
    `update endpoints set secret = $2, previous_secret = $3, previous_secret_expires_at = $4, updated_at = $5
     where id = $1 returning *`,
    [id, s.secret, s.previousSecret, s.previousSecretExpiresAt, at],
  );
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

/** Deleting an endpoint deletes its deliveries and attempts with it (foreign keys cascade). */
export async function deleteEndpoint(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from endpoints where id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * Locks the endpoint for the attempt recording its outcome (health is read-modify-write). `no key update`
 * does not block the foreign-key checks of deliveries being queued for it meanwhile.
 */
export async function findEndpointForUpdate(tx: Queryable, id: string): Promise<Endpoint | undefined> {
  const { rows } = await tx.query<EndpointRow>('select * from endpoints where id = $1 for no key update', [
    id,
  ]);
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

export async function setFailingSince(tx: Queryable, id: string, failingSince: Date | null): Promise<void> {
  await tx.query('update endpoints set failing_since = $2 where id = $1', [id, failingSince]);
}
