import { createRegistry } from '@strongbox/http';
import client, { type Registry } from 'prom-client';

export interface DealsMetrics {
  readonly registry: Registry;
  /** Bank notifications received, by signature verdict and whether they were new. */
  readonly notifications: client.Counter<'verdict' | 'duplicate'>;
}

export function createDealsMetrics(): DealsMetrics {
  const registry = createRegistry({ service: 'deals' });
  return {
    registry,
    notifications: new client.Counter({
      name: 'deals_bank_notifications_total',
      help: 'Bank notifications received, by signature verdict and whether they were duplicates',
      labelNames: ['verdict', 'duplicate'],
      registers: [registry],
    }),
  };
}
