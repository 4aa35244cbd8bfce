import { createRegistry } from '@strongbox/http';
import client from 'prom-client';

/** Batch sizes from 1 to the largest batch request (1,000 transfers). */
const BATCH_ITEMS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const FLUSH_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface LedgerMetrics {
  readonly registry: client.Registry;
  readonly batchItems: client.Histogram;
  readonly flushSeconds: client.Histogram;
  readonly failedUnits: client.Counter;
  readonly keyRaces: client.Counter;
}

/**
 * The group commit's own metrics, in a registry of their own (one per app, so tests never collide), which
 * the HTTP factory serves at /metrics after its own.
 */
export function ledgerMetrics(queuedItems: () => number): LedgerMetrics {
  const registry = createRegistry({ service: 'balance' });
  const registers = [registry];
  new client.Gauge({
    name: 'balance_group_commit_queued_items',
    help: 'Transfers waiting for a group-commit flush',
    registers,
    collect() {
      this.set(queuedItems());
    },
  });
  return {
    registry,
    batchItems: new client.Histogram({
      name: 'balance_group_commit_batch_items',
      help: 'Commands per group-commit flush (one database transaction)',
      buckets: BATCH_ITEMS_BUCKETS,
      registers,
    }),
    flushSeconds: new client.Histogram({
      name: 'balance_group_commit_flush_duration_seconds',
      help: 'Duration of one group-commit flush, from taking the batch to resolving its requests',
      buckets: FLUSH_SECONDS_BUCKETS,
      registers,
    }),
    failedUnits: new client.Counter({
      name: 'balance_group_commit_failed_units_total',
      help: 'Requests whose flush failed with an error (not a business rejection)',
      registers,
    }),
    keyRaces: new client.Counter({
      name: 'balance_group_commit_key_races_total',
      help: 'Flushes redone because another instance committed the same idempotency key first',
      registers,
    }),
  };
}
