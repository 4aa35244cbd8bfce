import { SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import { type Field, int, port, readConfig } from '@strongbox/kernel';

const list: Field<string[]> = {
  expected: 'a comma-separated list',
  fallback: () => [],
  parse: (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
};
const rate: Field<number> = {
  expected: 'a number from 0 to 1',
  fallback: () => 0,
  parse: (raw) => {
    const n = Number(raw);
    return raw.trim() !== '' && n >= 0 && n <= 1 ? n : undefined;
  },
};

/** Every setting the processor reads, validated at start (docs/runbooks/orders-operations.md lists them). */
export function processorConfig(env: Readonly<Record<string, string | undefined>>) {
  return readConfig(env, {
    ...SERVICE_CONFIG_FIELDS,
    PROCESSOR_PORT: port(3005),
    /** The simulated fulfilment: how long one attempt takes. */
    PROCESSOR_DURATION_MS: int({ fallback: 50, min: 0, max: 600_000 }),
    /** Chance of a transient failure per attempt (retried with backoff). */
    PROCESSOR_FAILURE_RATE: rate,
    /** Amounts (minor units) that always fail, permanently. */
    PROCESSOR_FAIL_AMOUNTS: list,
    /** Words in a description that make the order always fail, permanently. */
    PROCESSOR_FAIL_DESCRIPTIONS: list,
    /** Words in a description that make the first attempts fail transiently. */
    PROCESSOR_FLAKY_DESCRIPTIONS: list,
    /** Words in a description whose first attempt never finishes (a test kills the processor mid-step). */
    PROCESSOR_STALL_DESCRIPTIONS: list,
    PROCESSOR_CONCURRENCY: int({ fallback: 32, min: 1, max: 1_000 }),
    /** A claimed record whose worker is silent this long is taken over (the worker died). */
    PROCESSOR_LEASE_MS: int({ fallback: 30_000, min: 500, max: 3_600_000 }),
    PROCESSOR_CONSUMER_CONCURRENCY: int({ fallback: 8, min: 1, max: 64 }),
    /** Deliveries of one event before it is dead-lettered (the messaging default is 8). */
    PROCESSOR_CONSUMER_ATTEMPTS: int({ fallback: 8, min: 1, max: 100 }),
  });
}

export type ProcessorConfig = ReturnType<typeof processorConfig>;
