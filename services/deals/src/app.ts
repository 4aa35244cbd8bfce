import { createHttpApp, type ForwardingPolicy, type Logger, type TokenVerifier } from '@strongbox/http';
import { type Clock, newId } from '@strongbox/kernel';
import { type Pool, ping } from '@strongbox/postgres';
import { runIdempotent } from '@strongbox/postgres/idempotent-run';
import type { PeriodicJobSpec, ServiceParts } from '@strongbox/service';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { type BankParts, bankParts, type DealsBank } from './bank-parts.ts';
import { RELEASE_SCHEDULE } from './config.ts';
import { recipientTaskFor } from './domain/bank-tasks.ts';
import type { PlatformProfileConfig } from './domain/platform-fee.ts';
import { adminListDealsRoute } from './features/admin-list-deals/route.ts';
import { adminReconciliationRoute } from './features/admin-reconciliation/route.ts';
import { bankNotificationsRoute } from './features/bank-notifications/route.ts';
import { cancelDealRoute } from './features/cancel-deal/route.ts';
import { confirmMilestoneRoute } from './features/confirm-milestone/route.ts';
import { createDealRoute } from './features/create-deal/route.ts';
import { dealEventsRoute } from './features/deal-events/route.ts';
import { getDealRoute } from './features/get-deal/route.ts';
import { getRecipientRoute } from './features/get-recipient/route.ts';
import { listDealsRoute } from './features/list-deals/route.ts';
import { listMyPayoutsRoute } from './features/list-my-payouts/route.ts';
import { openDisputeRoute } from './features/open-dispute/route.ts';
import { operatorQueueRoute } from './features/operator-queue/route.ts';
import { runReleases } from './features/release-due/job.ts';
import { resolveDisputeRoute } from './features/resolve-dispute/route.ts';
import { retryPayoutRoute } from './features/retry-payout/route.ts';
import { saveRecipientRoute } from './features/save-recipient/route.ts';
import { splitPreviewRoute } from './features/split-preview/route.ts';
import { submitDealRoute } from './features/submit-deal/route.ts';
import { updateDealRoute } from './features/update-deal/route.ts';
import { enqueueSubjectTasks } from './infra/bank-tasks.ts';
import { executeDealCommand, loadDeal, SERVICE } from './infra/deal-commands.ts';
import { auditTrail, findDealView, listAllDealViews, listDealViews } from './infra/deal-queries.ts';
import { type IdentityClient, IdentityUnavailable, identityClient } from './infra/identity-client.ts';
import { executeKeyedCommand } from './infra/keyed-commands.ts';
import { createDealsMetrics, type DealsMetrics } from './infra/metrics.ts';
import { MIGRATIONS } from './infra/migrations.ts';
import { logNotification } from './infra/notification-log.ts';
import { verifySignature } from './infra/notification-signature.ts';
import { listOpenQueueItems } from './infra/operator-queue.ts';
import { listRecipientPayouts } from './infra/recipient-payouts.ts';
import { findRecipientOf, recipientUsers, saveRecipient } from './infra/recipients.ts';
import { listFindings } from './infra/reconciliation.ts';
import { dueForRelease } from './infra/release-schedule.ts';
import { type LedgerConfig, ledgerMirror } from './ledger-mirror.ts';
import { keepPlatformProfile } from './platform-profile.ts';
import type { DealsPorts } from './ports.ts';
import { dealStore } from './wiring.ts';

export { MIGRATIONS, SERVICE };
export const VERSION = '0.1.0';

export interface DealsDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly verifier: TokenVerifier;
  /** The secret(s) bank notifications are signed with (BANK_NOTIFICATION_SECRET). */
  readonly notificationSecrets: readonly string[];
  /** The release job's cron schedule (DEALS_RELEASE_SCHEDULE); default RELEASE_SCHEDULE. */
  readonly releaseSchedule?: string;
  /** Whose X-Forwarded-For is believed: the gateway's, under GATEWAY_FORWARDING_SECRET (the kit's). */
  readonly forwarding?: ForwardingPolicy | undefined;
  /**
   * Identity and deals' service client there (DEALS_CLIENT_ID, DEALS_CLIENT_SECRET), for payers named by
   * email; or a client of one's own (tests). Without either, a payer must be named by id.
   */
  readonly identity?:
    | { readonly identityUrl: string; readonly clientId: string | undefined; readonly clientSecret: string }
    | IdentityClient;
  /** The bank (the sandbox under npm start): without it deals records what it would ask and waits. */
  readonly bank?: DealsBank;
  /** Balance, where every deal is mirrored (ADR 0031); without it the ledger tasks wait in their table. */
  readonly ledger?: LedgerConfig | undefined;
  /** The platform's fee recipient (DEALS_PLATFORM_*): kept at start; without it no share may name it. */
  readonly platform?: PlatformProfileConfig | undefined;
}

function identityOf(deps: DealsDeps): IdentityClient | undefined {
  const i = deps.identity;
  if (!i) return undefined;
  if ('userIdByEmail' in i) return i;
  if (!i.clientId || !i.clientSecret) {
    deps.logger.warn('DEALS_CLIENT_ID / DEALS_CLIENT_SECRET are not set: payers can be named by id only');
    return undefined;
  }
  return identityClient({ identityUrl: i.identityUrl, clientId: i.clientId, clientSecret: i.clientSecret });
}

export interface DealsApp extends ServiceParts {
  readonly app: FastifyInstance;
  readonly metrics: DealsMetrics;
  readonly metricsRegistry: Registry;
  /** The bank's worker and jobs, when deals was given a bank. */
  readonly bank?: BankParts;
  /** One run of the release job, for tests (the kit runs it on its schedule). */
  readonly releaseOnce: () => Promise<number>;
}

/** Wires the deal use cases to PostgreSQL (event store, read model, recipients, notification log). */
export async function buildApp(deps: DealsDeps): Promise<DealsApp> {
  const { pool, clock } = deps;
  const metrics = createDealsMetrics();
  const identity = identityOf(deps);
  const platformFee = deps.platform ? await keepPlatformProfile(pool, clock, deps.platform) : undefined;
  const ports: DealsPorts = {
    clock,
    ...(platformFee ? { platformFee } : {}),
    ...(deps.bank
      ? {
          nominalAccount: {
            accountNumber: deps.bank.nominalAccount,
            bik: deps.bank.payee?.bik ?? null,
            bankName: deps.bank.payee?.bankName ?? null,
            payeeName: deps.bank.payee?.payeeName ?? null,
            payeeInn: deps.bank.payee?.payeeInn ?? null,
          },
        }
      : {}),
    newId: (prefix) => newId(prefix, clock),
    keyedCommand: (req, input, render) => executeKeyedCommand({ pool, clock }, req, input, render),
    command: (input) => executeDealCommand({ pool, clock }, input),
    userByEmail: async (email, traceId) => {
      if (!identity) return { kind: 'unavailable' };
      try {
        const userId = await identity.userIdByEmail(email, traceId);
        return userId ? { kind: 'found', userId } : { kind: 'unknown' };
      } catch (err) {
        if (!(err instanceof IdentityUnavailable)) throw err;
        deps.logger.warn({ err }, 'identity did not answer a payer lookup');
        return { kind: 'unavailable' };
      }
    },
    loadDeal: (id) => loadDeal(pool, id),
    findView: (id) => findDealView(pool, id),
    listViews: (userId, filter, limit) => listDealViews(pool, userId, filter, limit),
    listAllViews: (filter, limit) => listAllDealViews(pool, filter, limit),
    auditTrail: (id, after, limit) => auditTrail(pool, id, after, limit),
    listQueue: (cursor, limit) => listOpenQueueItems(pool, cursor, limit),
    listFindings: (filter, limit) => listFindings(pool, filter, limit),
    recipientUsers: (ids) => recipientUsers(pool, ids),
    recipientOf: (userId) => findRecipientOf(pool, userId),
    myPayouts: async (userId, beforeId, limit) => {
      const profile = await findRecipientOf(pool, userId);
      return profile ? listRecipientPayouts(pool, profile.id, beforeId, limit) : [];
    },
    saveRecipient: (req, profile, render) =>
      runIdempotent(pool, clock, req, async (tx, now) => {
        const existing = await findRecipientOf(tx, req.scope, true);
        const saved = await saveRecipient(tx, profile(existing, now));
        // The profile becomes a beneficiary at the bank by a task written with it, never in this request.
        const task = recipientTaskFor(saved.id, saved.updatedAt);
        await enqueueSubjectTasks(tx, { subjectId: saved.id, dealId: null }, [task], now, undefined);
        return render(saved, existing === undefined);
      }),
    receiveNotification: async (n) => {
      const { fresh } = await logNotification(pool, { ...n, receivedAt: clock.now() });
      metrics.notifications.labels(n.verdict, String(!fresh)).inc();
      return { fresh };
    },
    verifyNotification: (n) => {
      const v = verifySignature(n, { secrets: deps.notificationSecrets, nowMs: clock.now().getTime() });
      return v.ok ? 'authentic' : v.code;
    },
  };
  const app = await createHttpApp({
    service: SERVICE,
    version: VERSION,
    logger: deps.logger,
    description:
      'Safe deals: milestones split between recipients, held by the bank and released by their rules.',
    verifier: deps.verifier,
    readiness: { database: () => ping(pool) },
    metrics: [metrics.registry],
    ...(deps.forwarding ? { forwarding: deps.forwarding } : {}),
  });
  for (const route of [
    createDealRoute,
    getDealRoute,
    listDealsRoute,
    updateDealRoute,
    submitDealRoute,
    cancelDealRoute,
    confirmMilestoneRoute,
    openDisputeRoute,
    resolveDisputeRoute,
    retryPayoutRoute,
    adminListDealsRoute,
    operatorQueueRoute,
    adminReconciliationRoute,
    dealEventsRoute,
    saveRecipientRoute,
    getRecipientRoute,
    listMyPayoutsRoute,
    bankNotificationsRoute,
    splitPreviewRoute,
  ])
    route(app, ports);

  // ── The ledger mirror (ADR 0031): the worker moving each deal's money in balance from ledger_tasks. ──
  const mirror = ledgerMirror({
    pool,
    clock,
    logger: deps.logger,
    ledger: deps.ledger,
    registry: metrics.registry,
  });

  deps.bank?.clientMetrics?.register(metrics.registry);
  const bank = deps.bank
    ? bankParts({
        pool,
        clock,
        logger: deps.logger,
        registry: metrics.registry,
        bank: deps.bank,
        ledger: mirror.reader,
      })
    : undefined;
  const releases = releaseJob(pool, clock, deps.logger, deps.releaseSchedule ?? RELEASE_SCHEDULE);
  return {
    app,
    metrics,
    metricsRegistry: metrics.registry,
    releaseOnce: releases.once,
    periodicJobs: [releases.job, ...(bank ? bank.periodicJobs : [])],
    ...(bank ? { bank } : {}),
    workers: [...mirror.workers, ...(bank ? bank.workers : [])],
    closers: [...mirror.closers],
  };
}

/** Timed milestones (on_date, hold_hours) released when due, by one instance at a time. */
function releaseJob(pool: Pool, clock: Clock, logger: Logger, pattern: string) {
  const once = () =>
    runReleases({
      due: { dueBy: (now, limit) => dueForRelease(pool, now, limit) },
      deals: dealStore(pool, clock),
      clock,
      logger,
    });
  const job: PeriodicJobSpec = {
    name: 'deals:releases',
    pattern,
    run: async () => {
      await once();
    },
    onError: (err) => logger.warn({ err }, 'deals release run failed; the next run tries again'),
  };
  return { once, job };
}
