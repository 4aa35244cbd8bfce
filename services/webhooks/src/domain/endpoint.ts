/**
 * A webhook endpoint: where events are delivered, which ones, and with which signing secrets. Customers
 * (and agents, and service clients) receive events about their own objects only — the events whose
 * `parties` name them; operators and admins may subscribe to every event.
 */
export type EndpointScope = 'parties' | 'all';
export type EndpointStatus = 'enabled' | 'disabled';
/** `failing`: disabled automatically after ENDPOINT_FAILING_DISABLE_MS without a success. */
export type DisabledReason = 'manual' | 'failing';

export interface Endpoint {
  readonly id: string;
  readonly ownerId: string;
  readonly scope: EndpointScope;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description: string | null;
  readonly status: EndpointStatus;
  readonly disabledReason: DisabledReason | null;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: Date | null;
  /** The first failed attempt since the last success; null while the endpoint is healthy. */
  readonly failingSince: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Who is asking, as far as these rules care: the token's subject and roles. */
export interface Caller {
  readonly sub: string;
  readonly roles: readonly string[];
}

export const ENDPOINTS_PER_OWNER_MAX = 20;
export const DESCRIPTION_LENGTH_MAX = 500;
const STAFF_ROLES: readonly string[] = ['operator', 'admin'];

export function isStaff(caller: Caller): boolean {
  return caller.roles.some((r) => STAFF_ROLES.includes(r));
}

/** Staff endpoints see every event; anyone else's only the events about them. */
export function scopeFor(caller: Caller): EndpointScope {
  return isStaff(caller) ? 'all' : 'parties';
}

/** The owner and staff may see and act on an endpoint; to anyone else it does not exist (404, brief §6). */
export function canAccess(caller: Caller, ownerId: string): boolean {
  return caller.sub === ownerId || isStaff(caller);
}

/** The endpoint as the API shows it: never its secrets, which are answered only when they are created. */
export function endpointView(e: Endpoint) {
  return {
    id: e.id,
    url: e.url,
    eventTypes: [...e.eventTypes],
    description: e.description,
    status: e.status,
    disabledReason: e.disabledReason,
    scope: e.scope,
    ownerId: e.ownerId,
    failingSince: e.failingSince?.toISOString() ?? null,
    previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
