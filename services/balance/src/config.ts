import { SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import { bool, int, port, readConfig } from '@strongbox/kernel';
import { GROUP_COMMIT_DEFAULTS } from './infra/ledger-engine.ts';

/** Every setting balance reads, validated at start. */
export function balanceConfig(env: Readonly<Record<string, string | undefined>>) {
  return readConfig(env, {
    ...SERVICE_CONFIG_FIELDS,
    BALANCE_PORT: port(3002),
    BALANCE_BATCH_SIZE_MAX: int({ fallback: GROUP_COMMIT_DEFAULTS.batchSizeMax, min: 1, max: 1_000 }),
    BALANCE_BATCH_WAIT_MS: int({ fallback: GROUP_COMMIT_DEFAULTS.batchWaitMs, min: 0, max: 100 }),
    BALANCE_FLUSH_CONCURRENCY: int({ fallback: GROUP_COMMIT_DEFAULTS.flushesInFlightMax, min: 1, max: 16 }),
    BALANCE_QUEUE_ITEMS_MAX: int({
      fallback: GROUP_COMMIT_DEFAULTS.queueItemsMax,
      min: 1_000,
      max: 1_000_000,
    }),
    BALANCE_JOBS: bool(true),
  });
}
