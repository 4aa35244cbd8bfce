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

/** The store's queries bound to one connection: the pool for single statements, or a transaction. */
export function bindStore(db: Queryable): WebhookStore {
  return {
    countEndpointsOfLocked: (ownerId) => countEndpointsOfLocked(db, ownerId),
    insertEndpoint: (e, traceId) => insertEndpoint(db, e, traceId),
    findEndpoint: (id) => findEndpoint(db, id),
    listEndpoints: (filter, page) => listEndpoints(db, filter, page),
    updateEndpoint: (id, patch, at) => updateEndpoint(db, id, patch, at),
    disableEndpoint: (id, reason, at) => disableEndpoint(db, id, reason, at),
    enableEndpoint: (id, at) => enableEndpoint(db, id, at),
    setSecrets: (id, s, at) => setSecrets(db, id, s, at),
    deleteEndpoint: (id) => deleteEndpoint(db, id),
    listDeliveries: (endpointId, filter, page) => listDeliveries(db, endpointId, filter, page),
    findDelivery: (id) => findDelivery(db, id),
    listAttempts: (deliveryId, limit) => listAttempts(db, deliveryId, limit),
    requeueDelivery: (id, at) => requeueDelivery(db, id, at),
  };
}
