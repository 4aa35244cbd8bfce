import { createHttpApp, type ForwardingPolicy, type Logger, type TokenVerifier } from '@strongbox/http';
import type { GroupCommitSettings } from '@strongbox/kernel';
import { type Clock, newId } from '@strongbox/kernel';
import { type MigrationModule, POSTGRES_MODULES, type Pool, ping } from '@strongbox/postgres';
import type { ServiceParts } from '@strongbox/service';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { accountBalanceRoute } from './features/account-balance/route.ts';
import { accountEntriesRoute } from './features/account-entries/route.ts';
import { batchTransfersRoute } from './features/batch-transfers/route.ts';
import { createAccountRoute } from './features/create-account/route.ts';
import { createTransferRoute } from './features/create-transfer/route.ts';
import { getAccountRoute } from './features/get-account/route.ts';
import { getTransferRoute } from './features/get-transfer/route.ts';
import { ledgerAuditRoute } from './features/ledger-audit/route.ts';
import { listAccountsRoute } from './features/list-accounts/route.ts';
import { listTransfersRoute } from './features/list-transfers/route.ts';
import { postTransferRoute } from './features/post-transfer/route.ts';
import { voidTransferRoute } from './features/void-transfer/route.ts';
import { balanceAt, createAccount, findAccount, listAccounts, listEntries } from './infra/accounts.ts';
import { runAudit } from './infra/audit.ts';
import { SERVICE } from './infra/events.ts';
import { balanceJobs, cleanUpIdempotencyKeys, expireDue } from './infra/jobs.ts';
import { GROUP_COMMIT_DEFAULTS, type LedgerEngine, ledgerEngine } from './infra/ledger-engine.ts';
import { ledgerMetrics } from './infra/metrics.ts';
import { findTransfer, listTransfers } from './infra/transfers.ts';
import type { BalancePorts } from './ports.ts';

export { SERVICE };
export const VERSION = '0.1.0';
/**
 * The outbox (balance.transfer.*) with its archive (published rows move there, ADR 0039), the
 * Idempotency-Key store, then the ledger. main.ts and tests apply these.
 */
export const MIGRATIONS: { schema: string; dir: string; modules: readonly MigrationModule[] } = {
  schema: SERVICE,
  dir: new URL('./migrations', import.meta.url).pathname,
  modules: [POSTGRES_MODULES.outbox, POSTGRES_MODULES.outboxArchive, POSTGRES_MODULES.idempotency],
};

export interface BalanceDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Checks access tokens: identity's published keys in production, a local key set in tests. */
  readonly verifier: TokenVerifier;
  readonly groupCommit?: Partial<GroupCommitSettings>;
  /** Whose X-Forwarded-For is believed (the gateway's, signed; ADR 0021). Default: nobody's. */
  readonly forwarding?: ForwardingPolicy | undefined;
  /** BALANCE_JOBS=false leaves the periodic jobs to other instances; on by default. */
  readonly scheduleJobs?: boolean;
}

export interface BalanceApp extends ServiceParts {
  readonly app: FastifyInstance;
  readonly engine: LedgerEngine;
  /** The registry /metrics serves besides the HTTP one; the service kit adds the relay's metrics to it. */
  readonly metricsRegistry: Registry;
  /** The periodic jobs' bodies; periodicJobs schedules them, tests call them. */
  readonly jobs: {
    expireDue(): Promise<number>;
    cleanUpIdempotencyKeys(): Promise<number>;
  };
}

/** Wires the ledger's use cases to PostgreSQL and the group commit; used by main.ts and by tests. */
export async function buildApp(deps: BalanceDeps): Promise<BalanceApp> {
  const { pool, clock } = deps;
  const settings = { ...GROUP_COMMIT_DEFAULTS, ...deps.groupCommit };
  let engine: LedgerEngine | undefined;
  const metrics = ledgerMetrics(() => engine?.queuedItems() ?? 0);
  engine = ledgerEngine({ pool, clock, settings, metrics });
  const ports: BalancePorts = {
    clock,
    newTransferId: () => newId('tr', clock),
    accounts: {
      create: (account, idempotency, render) => createAccount(pool, clock, account, idempotency, render),
      find: (id) => findAccount(pool, id),
      list: (filter, page) => listAccounts(pool, filter, page),
      entries: (accountId, page) => listEntries(pool, accountId, page),
      balanceAt: (accountId, at) => balanceAt(pool, accountId, at),
    },
    transfers: {
      find: (id) => findTransfer(pool, id),
      list: (filter, page) => listTransfers(pool, filter, page),
    },
    ledger: { submit: (unit) => (engine as LedgerEngine).submit(unit) },
    audit: { run: () => runAudit(pool, clock.now()) },
    inFlight: new Map(),
  };

  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger: deps.logger,
    description: 'Double-entry ledger: accounts, transfers, two-phase holds, history, audit.',
    verifier: deps.verifier,
    readiness: { database: () => ping(pool) },
    metrics: [metrics.registry],
    ...(deps.forwarding ? { forwarding: deps.forwarding } : {}),
  });
  // In-flight requests finish first (Fastify's close), then whatever is still queued is flushed.
  app.addHook('onClose', async () => {
    await engine?.close();
  });
  for (const route of [
    createAccountRoute,
    getAccountRoute,
    listAccountsRoute,
    accountEntriesRoute,
    accountBalanceRoute,
    createTransferRoute,
    batchTransfersRoute,
    getTransferRoute,
    listTransfersRoute,
    postTransferRoute,
    voidTransferRoute,
    ledgerAuditRoute,
  ]) {
    route(app, ports);
  }
  return {
    app,
    engine,
    metricsRegistry: metrics.registry,
    periodicJobs: deps.scheduleJobs === false ? [] : balanceJobs({ engine, clock, logger: deps.logger }),
    jobs: {
      expireDue: () => expireDue(pool, engine as LedgerEngine, clock),
      cleanUpIdempotencyKeys: () => cleanUpIdempotencyKeys(pool, clock),
    },
  };
}
