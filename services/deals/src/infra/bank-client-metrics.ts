import type { BankClientEvent } from '@strongbox/bank-client';
import client, { type Registry } from 'prom-client';

/** The circuit's states as the gauge reports them. */
const BREAKER_STATE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * What the bank client's resilience does, as metrics: each retry by method, the circuit's state, and how
 * often it opened. The client is made before the service's registry exists (main.ts), so its `onEvent`
 * is this sink's, and `register` attaches the metrics once the registry is there; nothing happens before
 * that, as no bank call is made before the app is built.
 */
export function bankClientMetrics() {
  let retries: client.Counter<'method'> | undefined;
  let breaker: client.Gauge | undefined;
  let opened: client.Counter | undefined;
  return {
    onEvent(event: BankClientEvent): void {
      if (event.type === 'retry') retries?.labels(event.method).inc();
      else {
        breaker?.set(BREAKER_STATE[event.state]);
        if (event.state === 'open') opened?.inc();
      }
    },
    register(registry: Registry): void {
      retries = new client.Counter({
        name: 'deals_bank_retries_total',
        help: "Bank calls tried again by the bank client's retry policy, by method",
        labelNames: ['method'],
        registers: [registry],
      });
      breaker = new client.Gauge({
        name: 'deals_bank_breaker_state',
        help: "The bank client's circuit: 0 closed, 1 half open (one trial call), 2 open (calls refused at once)",
        registers: [registry],
      });
      breaker.set(BREAKER_STATE.closed);
      opened = new client.Counter({
        name: 'deals_bank_breaker_opened_total',
        help: "Times the bank client's circuit opened after consecutive failures",
        registers: [registry],
      });
    },
  };
}

export type BankClientMetrics = ReturnType<typeof bankClientMetrics>;
