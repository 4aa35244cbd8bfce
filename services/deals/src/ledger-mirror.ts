import { randomUUID } from 'node:crypto';
import { serviceTokens } from '@strongbox/http/service-token';
import type { Clock, Logger } from '@strongbox/kernel';
import type { Pool } from '@strongbox/postgres';
import type { BackgroundWorker } from '@strongbox/service';
import client, { type Registry } from 'prom-client';
import { LEDGER_TASK_STUCK_AFTER } from './domain/ledger-tasks.ts';
import { runLedgerTasks } from './features/ledger-tasks/handler.ts';
import type { DealLedger } from './features/ledger-tasks/ports.ts';
import type { LedgerReader } from './features/reconciliation/ports.ts';
import { balanceClient, type DealsBalanceClient } from './infra/balance-client.ts';
import { pendingLedgerTasks } from './infra/ledger-tasks.ts';
import { ledgerReader } from './infra/reconciliation.ts';
import { ledgerAccounts, ledgerTaskQueue } from './wiring.ts';

/** How often the ledger worker looks for due tasks when the last round found none. */
export const LEDGER_POLL_MS = 1_000;

/**
 * Balance and deals' service client there (BALANCE_URL, DEALS_CLIENT_ID, DEALS_CLIENT_SECRET: the same
 * client deals asks identity as), or a ledger of one's own (tests).
 */
export type LedgerConfig =
  | {
      readonly balanceUrl: string;
      readonly identityUrl: string;
      readonly clientId: string | undefined;
      readonly clientSecret: string;
    }
  | { readonly ledger: DealLedger };

/**
 * The worker that mirrors deals in balance (ADR 0031): it performs `ledger_tasks` round after round, at
 * once again while rounds find work, every LEDGER_POLL_MS otherwise. Without a service client it is not
 * started and the tasks wait in the table, to be performed once deals is configured.
 */
export function ledgerMirror(deps: {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ledger?: LedgerConfig | undefined;
  readonly random?: () => number;
  /** Where the mirror's gauges are registered (the service's registry). */
  readonly registry?: Registry;
}): { workers: BackgroundWorker[]; closers: Array<() => Promise<void>>; reader?: LedgerReader } {
  const c = deps.ledger;
  const breakerOpen = deps.registry ? mirrorMetrics(deps.pool, deps.registry) : undefined;
  if (!c) return { workers: [], closers: [] };
  let ledger: DealLedger;
  const closers: Array<() => Promise<void>> = [];
  if ('ledger' in c) ledger = c.ledger;
  else if (!c.clientId || !c.clientSecret) {
    deps.logger.warn('DEALS_CLIENT_ID / DEALS_CLIENT_SECRET are not set: deals are not mirrored in balance');
    return { workers: [], closers: [] };
  } else {
    const balance = balanceClient({
      baseUrl: c.balanceUrl,
      tokens: serviceTokens({
        identityUrl: c.identityUrl,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
      }),
      onBreakerChange: (state) => {
        breakerOpen?.set(state === 'open' ? 1 : 0);
        deps.logger.warn({ state }, 'circuit to balance changed');
      },
    });
    ledger = balance;
    closers.push(() => balance.close());
  }
  const run = () =>
    runLedgerTasks({
      tasks: ledgerTaskQueue(deps.pool),
      accounts: ledgerAccounts(deps.pool),
      ledger,
      clock: deps.clock,
      logger: deps.logger,
      random: deps.random ?? Math.random,
    });
  // Reconciliation reads the escrows with the same client (a test's own ledger may not read balances).
  const reader =
    'accountBalance' in ledger
      ? ledgerReader(deps.pool, ledger as DealsBalanceClient, () => randomUUID().replaceAll('-', ''))
      : undefined;
  return { workers: [loop(run, deps.logger)], closers, ...(reader ? { reader } : {}) };
}

/** Pending and stuck ledger tasks, read when scraped, and whether the circuit to balance is open. */
function mirrorMetrics(pool: Pool, registry: Registry): client.Gauge {
  new client.Gauge({
    name: 'deals_ledger_tasks_pending',
    help: `Ledger tasks not yet done; state="stuck" counts those tried ${LEDGER_TASK_STUCK_AFTER} times or more`,
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { pending, stuck } = await pendingLedgerTasks(pool, LEDGER_TASK_STUCK_AFTER);
      this.labels('pending').set(pending);
      this.labels('stuck').set(stuck);
    },
  });
  return new client.Gauge({
    name: 'deals_balance_breaker_open',
    help: '1 while the circuit to balance is open (the ledger mirror waits)',
    registers: [registry],
  });
}

function loop(round: () => Promise<number>, logger: Logger): BackgroundWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      let found = 0;
      current = round()
        .then((n) => {
          found = n;
        })
        .catch((err: unknown) => logger.warn({ err }, 'ledger round failed'))
        .finally(() => {
          if (!stopped) schedule(found > 0 ? 0 : LEDGER_POLL_MS);
        });
    }, ms);
  };
  return {
    start: () => schedule(0),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
