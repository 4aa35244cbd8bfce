import { createRegistry } from '@strongbox/http';
import client from 'prom-client';
import { SERVICE } from './events.ts';

/** The processor's own figures, served at /metrics after the HTTP ones. */
export interface ProcessorMetrics {
  readonly registry: client.Registry;
}

export function createProcessorMetrics(backlog: () => Promise<number>): ProcessorMetrics {
  const registry = createRegistry({ service: SERVICE });
  new client.Gauge({
    name: 'processor_backlog',
    help: 'Processing records pending or in progress',
    registers: [registry],
    async collect() {
      this.set(await backlog());
    },
  });
  return { registry };
}
