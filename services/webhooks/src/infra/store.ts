import type { Queryable } from '@strongbox/postgres';
import type { WebhookStore } from '../ports.ts';
import { findDelivery, listAttempts, listDeliveries, requeueDelivery } from './deliveries.ts';
import {
  countEndpointsOfLocked,
  deleteEndpoint,
  disableEndpoint,
  enableEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  setSecrets,
  updateEndpoint,
} from './endpoints.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * The store's queries bound to one connection (the pool for single statements, or a transaction), to
 * the box that seals the endpoints' secrets and to the subscription's routing (widened in a transaction).
 */
export function bindStore(
  db: Queryable,
  box: SecretBox,
  routing: { widen(tx: Queryable): Promise<void> },
): WebhookStore {
  return {
    countEndpointsOfLocked: (ownerId) => countEndpointsOfLocked(db, ownerId),
    insertEndpoint: (e, traceId) => insertEndpoint(db, e, traceId, box),
    findEndpoint: (id) => findEndpoint(db, id, box),
    listEndpoints: (filter, page) => listEndpoints(db, filter, page, box),
    updateEndpoint: (id, patch, at) => updateEndpoint(db, id, patch, at, box),
    disableEndpoint: (id, reason, at) => disableEndpoint(db, id, reason, at, box),
    enableEndpoint: (id, at) => enableEndpoint(db, id, at, box),
    setSecrets: (id, s, at) => setSecrets(db, id, s, at, box),
    deleteEndpoint: (id) => deleteEndpoint(db, id),
    widenRouting: () => routing.widen(db),
    listDeliveries: (endpointId, filter, page) => listDeliveries(db, endpointId, filter, page),
    findDelivery: (id) => findDelivery(db, id),
    listAttempts: (deliveryId, limit) => listAttempts(db, deliveryId, limit),
    requeueDelivery: (id, at) => requeueDelivery(db, id, at),
  };
}
