import { createHttpApp, type Logger } from '@strongbox/http';
import { POSTGRES_MODULES, type Pool, ping, withTransaction } from '@strongbox/postgres';
import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { balanceRoutes } from './features/balances/route.ts';
import { bankDetailsRoutes } from './features/bank-details/route.ts';
import { beneficiaryRoutes } from './features/beneficiaries/route.ts';
import { dealRoutes } from './features/deals/route.ts';
import { stepRoutes } from './features/deals/steps-route.ts';
import { incomingRoutes } from './features/incoming/route.ts';
import { paymentRoutes } from './features/payments/route.ts';
import { selfEmployedRecipientRoutes } from './features/self-employed-recipients/route.ts';
import { selfEmployedRegistryActionRoutes } from './features/self-employed-registries/actions-route.ts';
import { selfEmployedRegistryListRoutes } from './features/self-employed-registries/list-route.ts';
import { selfEmployedRegistryRoutes } from './features/self-employed-registries/route.ts';
import { selfEmployedSimRoutes } from './features/self-employed-sim/route.ts';
import { selfEmployedStatusRoutes } from './features/self-employed-status/route.ts';
import { simRoutes } from './features/sim/route.ts';
import { virtualAccountRoutes } from './features/virtual-accounts/route.ts';
import { bankNotFoundUnder, type RateLimits, speakAsBank } from './http/bank-scope.ts';
import { NOTIFICATION_SIGNING, withNotificationDocs } from './http/notification-doc.ts';
import { staticTokenVerifier } from './http/token.ts';
import { bankIdempotency } from './infra/idempotency.ts';
import { type DeliveryOptions, deliverDue, enqueueNotification } from './infra/notifications.ts';
import { advanceDue } from './infra/progress.ts';
import type { Sim } from './infra/sim.ts';
import { store } from './infra/store.ts';
import type { BankPorts, BankSettings } from './ports.ts';

export const SERVICE = 'bank-sandbox';
/** PostgreSQL schema names are kept to identifier characters. */
export const SCHEMA = 'bank_sandbox';
export const VERSION = '0.1.0';

/** The Idempotency-Key store, then the sandbox's own tables, in the schema `bank_sandbox`. */
export const MIGRATIONS = {
  schema: SCHEMA,
  dir: new URL('./migrations', import.meta.url).pathname,
  modules: [POSTGRES_MODULES.idempotency],
};

export interface SandboxDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  /** The simulation's clock and faults (createSim), shared with the tick worker (parts.ts). */
  readonly sim: Sim;
  readonly token: string;
  readonly settings: BankSettings;
  readonly limits: RateLimits;
  readonly notifications: DeliveryOptions;
  readonly metrics?: ReadonlyArray<{ metrics(): Promise<string> }>;
}

/** One round of the bank's own time: what the tick worker (parts.ts) runs, and POST /_sim/tick. */
export function sandboxTick(deps: Pick<SandboxDeps, 'pool' | 'sim' | 'settings' | 'notifications'>) {
  return async () => ({
    progressed: await advanceDue(deps.pool, deps.sim, deps.settings),
    delivered: await deliverDue(deps.pool, deps.sim, deps.notifications),
  });
}

/** Wires the simulated bank to PostgreSQL; used by parts.ts and by tests. */
export async function buildApp(deps: SandboxDeps): Promise<FastifyInstance> {
  const { pool, sim } = deps;
  const ports: BankPorts = {
    sim,
    store,
    db: pool,
    transaction: (work) => withTransaction(pool, work),
    idempotent: bankIdempotency(pool, sim.clock),
    notify: (tx, fact) => enqueueNotification(tx, fact, sim),
    newId: () => uuidv7(),
    settings: deps.settings,
  };
  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger: deps.logger,
    description: `A stateful simulator of the bank's nominal-account API: beneficiaries, virtual accounts, deals and payouts, payouts to the self-employed with their receipts, signed notifications, and faults on demand under /_sim/.\n\n${NOTIFICATION_SIGNING}`,
    // The notification a receiver gets is documented as an OpenAPI 3.1 webhook beside the routes.
    openapi: async () => withNotificationDocs(app.swagger() as unknown as Record<string, unknown>),
    verifier: staticTokenVerifier(deps.token),
    readiness: { database: () => ping(pool) },
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const tick = sandboxTick(deps);
  // An encapsulated scope: the bank's JSON, errors and limits apply to its routes only, not to /health.
  await app.register(async (bank) => {
    speakAsBank(bank, sim, deps.limits);
    for (const routes of [
      beneficiaryRoutes,
      bankDetailsRoutes,
      balanceRoutes,
      incomingRoutes,
      dealRoutes,
      stepRoutes,
      paymentRoutes,
      // Holds and transfers between virtual accounts.
      virtualAccountRoutes,
      selfEmployedRecipientRoutes,
      selfEmployedStatusRoutes,
      selfEmployedRegistryRoutes,
      selfEmployedRegistryActionRoutes,
      selfEmployedRegistryListRoutes,
    ]) {
      routes(bank, ports);
    }
    simRoutes(bank, ports, tick);
    selfEmployedSimRoutes(bank, ports);
  });
  await bankNotFoundUnder(app, ['/api', '/_sim']);
  return app;
}
