import { type BackoffPolicy, backoffMs, type Clock, type Logger, sleep } from '@strongbox/kernel';
import { type Pool, quoteIdent } from '@strongbox/postgres';
import { startLeaderLock } from '@strongbox/postgres/leader-lock';
import {
  archivePublished,
  hasOutboxArchive,
  markPublished,
  oldestUnpublishedAgeMs,
  outboxChannel,
  purgeArchived,
  purgePublished,
  readUnpublished,
  type UnpublishedEvent,
  vacuumOutbox,
} from '@strongbox/postgres/outbox';
import type pg from 'pg';
import type { MessagingMetrics } from './metrics.ts';
import { asError, type PublishOptions, publishSafely, type Transport } from './transport.ts';
import { createWakeup } from './wakeup.ts';

/** Events read and published per round; a full batch is followed at once by the next. */
export const RELAY_BATCH_SIZE_MAX = 500;
/** Fallback wake-up when no notification came (one lost while the connection was being replaced). */
export const RELAY_POLL_MS = 1_000;
/** Pause after a batch the transport did not fully confirm (broker down, unroutable event). */
export const RELAY_FAILURE_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 10_000 };
/**
 * With the archive (ADR 0039), the relay vacuums the outbox after this many moved rows, at most once per
 * RELAY_VACUUM_INTERVAL_MS (see vacuumOutbox): its read then walks a few index pages, not a minute of
 * deleted rows.
 */
export const RELAY_VACUUM_AFTER_ROWS = 2_000;
export const RELAY_VACUUM_INTERVAL_MS = 1_000;
/** Published events are kept this long (for inspection), then purged in bounded batches. */
export const OUTBOX_RETENTION_MS = 7 * 24 * 60 * 60 * 1_000;
export const OUTBOX_PURGE_INTERVAL_MS = 60_000;
export const OUTBOX_PURGE_BATCH_MAX = 1_000;

export interface RelayDeps {
  /** The service's pool (search_path = its schema); the relay itself runs on one dedicated connection. */
  readonly pool: Pool;
  readonly schema: string;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: MessagingMetrics;
  readonly batchSizeMax?: number;
  readonly pollMs?: number;
  /** How often a standby relay asks for leadership; tests lower it. */
  readonly leaderRetryMs?: number;
  readonly random?: () => number;
}

export interface Relay {
  /** True while this instance is the one publishing. */
  readonly leading: boolean;
  /** The backend pid of the leader connection while leading. */
  readonly backendPid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Publishes the service's outbox through the transport, in the order events became visible, at least once.
 * Any number of instances may run: one leads, holding an advisory lock on its dedicated connection, and
 * reads, publishes and marks on that same connection; the others wait to take over (ADR 0008).
 *
 * @example
 * const relay = await startRelay({ pool, schema: 'balance', transport, logger, clock: systemClock });
 */
export async function startRelay(deps: RelayDeps): Promise<Relay> {
  // Fail at start, not at the first event: without the outbox module there is nothing to read, and with
  // a pool on another schema the relay would read one outbox and listen for another's notifications.
  const { rows } = await deps.pool.query<{ schema: string; outbox: string | null }>(
    "select current_schema() as schema, to_regclass(quote_ident($1) || '.outbox')::text as outbox",
    [deps.schema],
  );
  if (rows[0]?.schema !== deps.schema) {
    throw new Error(`relay: the pool's schema is ${rows[0]?.schema}, not ${deps.schema}`);
  }
  if (!rows[0]?.outbox)
    throw new Error(`relay: ${deps.schema}.outbox is missing; apply POSTGRES_MODULES.outbox`);
  const log = deps.logger.child({ component: 'relay', schema: deps.schema });
  // With the archive module, a published row is moved out of the outbox instead of marked (ADR 0039).
  const archive = await hasOutboxArchive(deps.pool, deps.schema);
  const probe = () => oldestUnpublishedAgeMs(deps.pool, deps.clock.now());
  deps.metrics?.probes.oldestUnpublished.set(deps.schema, probe);
  const lock = startLeaderLock({
    pool: deps.pool,
    key: `strongbox:relay:${deps.schema}`,
    ...(deps.leaderRetryMs === undefined ? {} : { retryMs: deps.leaderRetryMs }),
    onError: (err) => log.warn({ err }, 'relay connection failed; seeking leadership again'),
    lead: (client, lost) => relayWhileLeading(client, lost, deps, log, archive),
  });
  return {
    get leading() {
      return lock.leading;
    },
    get backendPid() {
      return lock.backendPid;
    },
    async stop() {
      deps.metrics?.probes.oldestUnpublished.delete(deps.schema);
      await lock.stop();
    },
  };
}

async function relayWhileLeading(
  client: pg.Client,
  lost: AbortSignal,
  deps: RelayDeps,
  log: Logger,
  archive: boolean,
): Promise<void> {
  const mode = await relayMode(deps, archive);
  const batchSizeMax = deps.batchSizeMax ?? RELAY_BATCH_SIZE_MAX;
  const pollMs = deps.pollMs ?? RELAY_POLL_MS;
  const random = deps.random ?? Math.random;
  const channel = outboxChannel(deps.schema);
  // A notification that arrives while a batch is in flight is remembered, so the loop reads again instead
  // of sleeping past it.
  const wakeup = createWakeup();
  const onNotification = (msg: pg.Notification) => {
    if (msg.channel === channel) wakeup.wake();
  };
  client.on('notification', onNotification);
  await client.query(`listen ${quoteIdent(channel)}`);
  log.info('relay leading');
  let failures = 0;
  let purgedAt = 0;
  let movedSinceVacuum = 0;
  let vacuumedAt = 0;
  try {
    while (!lost.aborted) {
      const batch = await readUnpublished(client, batchSizeMax);
      if (batch.length > 0) {
        const outcome = await publishSafely(deps.transport, batch, mode.publishOptions);
        const confirmed = batch.slice(0, outcome.confirmed);
        // A crash here (after the transport confirmed, before the mark) republishes these: a duplicate the
        // consumers' inbox absorbs, never a loss.
        await mode.done(client, confirmed, deps.clock.now());
        if (confirmed.length > 0) deps.metrics?.published.inc({ schema: deps.schema }, confirmed.length);
        movedSinceVacuum += archive ? confirmed.length : 0;
        const at = deps.clock.now().getTime();
        if (movedSinceVacuum >= RELAY_VACUUM_AFTER_ROWS && at - vacuumedAt >= RELAY_VACUUM_INTERVAL_MS) {
          movedSinceVacuum = 0;
          vacuumedAt = at;
          await vacuumOutbox(client);
        }
        if (outcome.failure) {
          failures++;
          const stuck = batch[outcome.confirmed];
          deps.metrics?.publishFailures.inc({ schema: deps.schema, reason: outcome.failure.reason });
          log.warn(
            { err: outcome.failure.error, reason: outcome.failure.reason, ...stuckFields(stuck), failures },
            'publish not confirmed; retrying',
          );
          await sleep(backoffMs(failures, RELAY_FAILURE_BACKOFF, random), lost);
          continue;
        }
        failures = 0;
        if (batch.length === batchSizeMax) continue;
      }
      const now = deps.clock.now().getTime();
      if (now - purgedAt >= OUTBOX_PURGE_INTERVAL_MS) {
        purgedAt = now;
        await mode.purge(client, new Date(now - OUTBOX_RETENTION_MS), OUTBOX_PURGE_BATCH_MAX);
      }
      await wakeup.wait(pollMs, lost);
    }
  } finally {
    client.off('notification', onNotification);
    log.info('relay stopped leading');
  }
}

interface RelayMode {
  readonly publishOptions: PublishOptions | undefined;
  done(client: pg.Client, events: readonly UnpublishedEvent[], at: Date): Promise<void>;
  purge(client: pg.Client, before: Date, limit: number): Promise<unknown>;
}

/**
 * How published rows leave the outbox. Without the archive they are marked; with it they move to the
 * archive (ADR 0039); and when the transport can read archives as logs (PostgreSQL), the archive is this
 * schema's log (ADR 0040): the schema is registered before the first publish, publishing copies nothing,
 * the move notifies the log's readers, and the purge keeps what a consumer has not read yet.
 */
async function relayMode(deps: RelayDeps, archive: boolean): Promise<RelayMode> {
  const positions = (events: readonly UnpublishedEvent[]) => events.map((e) => e.position);
  if (!archive)
    return {
      publishOptions: undefined,
      done: (client, events, at) => markPublished(client, positions(events), at),
      purge: purgePublished,
    };
  const logs = deps.transport.logs;
  if (!logs)
    return {
      publishOptions: undefined,
      done: (client, events, at) => archivePublished(client, positions(events), at),
      purge: purgeArchived,
    };
  await logs.register(deps.schema);
  return {
    publishOptions: { logSource: deps.schema },
    done: (client, events, at) =>
      archivePublished(client, positions(events), at, {
        channel: logs.channel,
        payload: logs.notification(
          deps.schema,
          events.map((e) => e.type),
        ),
      }),
    async purge(client, before, limit) {
      const floor = await logs.readFloor(deps.schema);
      return await purgeArchived(client, before, limit, floor);
    },
  };
}

/** Log fields of the event a batch stopped at, with its trace id so the failure joins the request's trace. */
function stuckFields(event: UnpublishedEvent | undefined): Record<string, unknown> {
  if (!event) return {};
  let traceId: unknown;
  try {
    traceId = (JSON.parse(event.json) as { traceid?: unknown }).traceid;
  } catch (err) {
    traceId = asError(err).message;
  }
  return { eventId: event.id, eventType: event.type, position: String(event.position), traceId };
}
