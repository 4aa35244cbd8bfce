import { createRegistry } from '@strongbox/http';
import client from 'prom-client';
import { SERVICE } from './events.ts';

/** The processor's own figures, served at /metrics after the HTTP ones. */
export interface ProcessorMetrics {
  readonly registry: client.Registry;
  /** An attempt started: claimed by intake as its order came in, or by the worker's claim of due records. */
  attemptStarted(via: 'intake' | 'claim'): void;
}

export function createProcessorMetrics(
  backlog: () => Promise<number>,
  busySlots: () => number,
): ProcessorMetrics {
  const registry = createRegistry({ service: SERVICE });
  new client.Gauge({
    name: 'processor_backlog',
    help: 'Processing records pending or in progress',
    registers: [registry],
    async collect() {
      this.set(await backlog());
    },
  });
  new client.Gauge({
    name: 'processor_slots_busy',
    help: "Slots of this instance's worker running an attempt or held for one (PROCESSOR_CONCURRENCY at most); while all are busy, intake leaves new records pending for a claim",
    registers: [registry],
    collect() {
      this.set(busySlots());
    },
  });
  const started = new client.Counter({
    name: 'processor_attempts_started_total',
    help: 'Processing attempts started, by how they were claimed: at intake (a free slot as the order came in) or by the worker (no slot was free then, a retry, or a takeover after a lease ended)',
    labelNames: ['via'],
    registers: [registry],
  });
  return { registry, attemptStarted: (via) => started.inc({ via }) };
}
