import { createRegistry } from '@strongbox/http';
import client from 'prom-client';

/** The saga's own figures, served at /metrics after the HTTP ones. */
export interface OrdersMetrics {
  readonly registry: client.Registry;
  readonly transitions: client.Counter<'status'>;
  readonly stepFailures: client.Counter<'step'>;
  readonly breakerOpen: client.Gauge;
  /** Account checks of new orders answered from memory (`hit`) or asked of balance (`miss`). */
  readonly accountCache: client.Counter<'result'>;
}

export function createOrdersMetrics(openOrders: () => Promise<number>): OrdersMetrics {
  const registry = createRegistry({ service: 'orders' });
  const transitions = new client.Counter({
    name: 'orders_transitions_total',
    help: 'Orders that entered each status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const stepFailures = new client.Counter({
    name: 'orders_balance_step_failures_total',
    help: 'Saga steps in balance that failed without an outcome and will be retried (hold, capture, release)',
    labelNames: ['step'] as const,
    registers: [registry],
  });
  const breakerOpen = new client.Gauge({
    name: 'orders_balance_breaker_open',
    help: '1 while the circuit to balance is open (calls fail fast), else 0',
    registers: [registry],
  });
  const accountCache = new client.Counter({
    name: 'orders_account_cache_total',
    help: 'Account checks of new orders: hit (owner and currency remembered) or miss (asked balance)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new client.Gauge({
    name: 'orders_open',
    help: 'Orders not yet in a terminal state',
    registers: [registry],
    async collect() {
      this.set(await openOrders());
    },
  });
  return { registry, transitions, stepFailures, breakerOpen, accountCache };
}
