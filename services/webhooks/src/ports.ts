import type { Clock, IdempotentOutcome, IdempotentRequest, StoredResponse } from '@strongbox/kernel';
import type { Attempt, Delivery, DeliveryStatus } from './domain/delivery.ts';
import type { DisabledReason, Endpoint } from './domain/endpoint.ts';

/** Narrow, named queries; each store is bound to the pool or to one transaction. */
export interface WebhookStore {
  /** Counts the owner's endpoints while holding a lock on the owner until the transaction ends. */
  countEndpointsOfLocked(ownerId: string): Promise<number>;
  /** Stores a new endpoint with the trace id of the request that registered it. */
  insertEndpoint(e: Endpoint, traceId: string): Promise<void>;
  findEndpoint(id: string): Promise<Endpoint | undefined>;
  listEndpoints(
    filter: { ownerId: string | undefined },
    page: { limit: number; beforeId: string | undefined },
  ): Promise<Endpoint[]>;
  updateEndpoint(
    id: string,
    patch: { url?: string; eventTypes?: readonly string[]; description?: string | null },
    at: Date,
  ): Promise<Endpoint | undefined>;
  disableEndpoint(id: string, reason: DisabledReason, at: Date): Promise<Endpoint | undefined>;
  enableEndpoint(id: string, at: Date): Promise<Endpoint | undefined>;
  setSecrets(
    id: string,
    s: Pick<Endpoint, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>,
    at: Date,
  ): Promise<Endpoint | undefined>;
  deleteEndpoint(id: string): Promise<boolean>;
  /**
   * In a transaction, after an endpoint write that may widen the event types webhooks receives: puts them
   * in place on the transport before the commit, holding the routing lock until then (ADR 0046).
   */
  widenRouting(): Promise<void>;
  listDeliveries(
    endpointId: string,
    filter: { status: DeliveryStatus | undefined },
    page: { limit: number; beforeId: string | undefined },
  ): Promise<Delivery[]>;
  findDelivery(
    id: string,
  ): Promise<{ delivery: Delivery; ownerId: string; endpointStatus: string } | undefined>;
  listAttempts(deliveryId: string, limit: number): Promise<Attempt[]>;
  requeueDelivery(id: string, at: Date): Promise<Delivery | undefined>;
}

/** The steps of an endpoint write around its transaction that keep the subscription's patterns (routing.ts). */
export interface RoutingPort {
  /** Before a write that may widen: records the patterns these event types may add. */
  expect(eventTypes: readonly string[]): Promise<void>;
  /** After a write that may narrow has committed: the patterns become what the endpoints select. */
  settle(): Promise<void>;
}

export type TargetVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'invalid_url' | 'url_not_allowed'; readonly problem: string };

/**
 * What the use cases need from the outside world; `app.ts` wires it to PostgreSQL, DNS and node:crypto.
 */
export interface WebhooksPorts {
  readonly clock: Clock;
  readonly newEndpointId: () => string;
  readonly newSecret: () => string;
  /** The SSRF guard: may a webhook be sent to this URL now? */
  checkTarget(url: string): Promise<TargetVerdict>;
  readonly store: WebhookStore;
  /** Webhooks' subscription follows its endpoints (ADR 0046; routing.ts). */
  readonly routing: RoutingPort;
  transaction<T>(work: (store: WebhookStore) => Promise<T>): Promise<T>;
  /**
   * Runs `work` once per (scope, key) in one transaction with the key's record, and answers its response;
   * the same key with the same request replays the stored response (`replayed`), with a different request
   * it is a `mismatch` (422 idempotency_key_reused at the edge).
   */
  idempotent(
    req: IdempotentRequest,
    work: (store: WebhookStore) => Promise<StoredResponse>,
  ): Promise<IdempotentOutcome>;
}
