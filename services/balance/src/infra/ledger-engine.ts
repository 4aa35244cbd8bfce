import {
  type Clock,
  type GroupCommit,
  type GroupCommitSettings,
  groupCommit,
  type IdempotentOutcome,
  type IdempotentRequest,
  InvariantError,
  refId,
  type StoredResponse,
} from '@strongbox/kernel';
import { type Pool, type PoolClient, withTransaction } from '@strongbox/postgres';
import {
  IDEMPOTENCY_BATCH_MAX,
  type IdempotencyState,
  recordIdempotent,
} from '@strongbox/postgres/idempotency';
import { transferAsCreated } from '../domain/as-stored.ts';
import type { LedgerCommand } from '../domain/decide.ts';
import { balanceErrors } from '../domain/errors.ts';
import type { LedgerUnit } from '../ports.ts';
import { transferEvent } from './events.ts';
import { KeyRace, retryingKeyRaces } from './key-race.ts';
import { ledgerBatch } from './ledger-batch.ts';
import { findKeys, lockAccounts, lockKeys, lockTransfers, writeLedger } from './ledger-sql.ts';
import type { LedgerMetrics } from './metrics.ts';

export interface LedgerEngineDeps {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly settings: GroupCommitSettings;
  readonly metrics: LedgerMetrics;
}

export type LedgerEngine = GroupCommit<LedgerUnit, IdempotentOutcome>;

/** The ledger's group commit unless configured (BALANCE_BATCH_* settings). */
export const GROUP_COMMIT_DEFAULTS: GroupCommitSettings = {
  batchSizeMax: 256,
  batchWaitMs: 2,
  flushesInFlightMax: 2,
  queueItemsMax: 10_000,
};

/** SQLSTATE classes of errors caused by one row's data (22 data exception, 23 integrity violation). */
const DATA_ERROR = /^2[23]/;

export function ledgerEngine(deps: LedgerEngineDeps): LedgerEngine {
  return groupCommit<LedgerUnit, IdempotentOutcome>({
    ...deps.settings,
    weight: (u) => u.commands.length,
    flush: (units) => flushLedger(deps, units),
    splittable: (err) => DATA_ERROR.test(String((err as { code?: unknown }).code ?? '')),
    overloaded: (reason) =>
      balanceErrors.ledger_overloaded(
        reason === 'full' ? 'Too many transfers are waiting; retry shortly' : 'The service is shutting down',
        { headers: { 'retry-after': '1' } },
      ),
    onFlush: (s) => {
      deps.metrics.batchItems.observe(s.items);
      deps.metrics.flushSeconds.observe(s.durationMs / 1000);
      if (s.failedUnits > 0) deps.metrics.failedUnits.inc(s.failedUnits);
    },
  });
}

function flushLedger(deps: LedgerEngineDeps, units: readonly LedgerUnit[]): Promise<IdempotentOutcome[]> {
  return retryingKeyRaces(
    () => withTransaction(deps.pool, (tx) => runBatch(tx, deps.clock, units)),
    () => deps.metrics.keyRaces.inc(),
  );
}

function transferIdOf(c: LedgerCommand): string | null {
  switch (c.kind) {
    case 'create':
      return null;
    case 'post':
    case 'void':
    case 'expire':
      return c.transferId;
    default: {
      const unreachable: never = c;
      throw new InvariantError(`unreachable case: ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * What each key means for its unit (ADR 0012, 0037), from one lookup of both places a key may live. A key
 * not in the store may be kept in the row of the transfer it created: the same create request replays the
 * answer rendered again from the transfer as created; any other request under that key (another body, a
 * post, a batch) is a mismatch. Keys in transfers never expire: they last as long as the transfer, longer
 * than the 24 hours promised.
 */
async function lookUpKeys(
  tx: PoolClient,
  units: readonly LedgerUnit[],
  now: Date,
): Promise<Map<string, IdempotencyState>> {
  const requests = units.flatMap((u) => (u.idempotency ? [u.idempotency] : []));
  // A batch holds at most BALANCE_BATCH_SIZE_MAX (≤ 1,000) commands, so at most as many keyed requests.
  if (requests.length > IDEMPOTENCY_BATCH_MAX)
    throw new InvariantError(`at most ${IDEMPOTENCY_BATCH_MAX} keys per batch`);
  const { stored, inTransfers } = await findKeys(tx, requests, now);
  for (const u of units) {
    const id = u.idempotency ? refId(u.idempotency) : undefined;
    const kept = id ? inTransfers.get(id) : undefined;
    if (!u.idempotency || !id || !kept || stored.get(id)?.kind !== 'absent') continue;
    stored.set(
      id,
      u.keyInTransfer && kept.requestHash.equals(u.idempotency.requestHash)
        ? { kind: 'replay', response: u.render([{ ok: true, transfer: transferAsCreated(kept.transfer) }]) }
        : { kind: 'mismatch' },
    );
  }
  return stored;
}

/**
 * One group-commit transaction: replay known keys, lock what the rest touch (transfers, then accounts,
 * each in id order), apply every command in memory, then write everything in bulk with the answers
 * stored under their keys. Runs again from the top on a retryable error, so it only reads and writes.
 */
async function runBatch(
  tx: PoolClient,
  clock: Clock,
  units: readonly LedgerUnit[],
): Promise<IdempotentOutcome[]> {
  const results: Array<IdempotentOutcome | undefined> = units.map(() => undefined);
  const keyed = units.flatMap((u) => (u.idempotency ? [u.idempotency] : []));
  await lockKeys(tx, keyed);
  const known = await lookUpKeys(tx, units, clock.now());
  const firstWithKey = new Map<string, number>();
  const runnable: number[] = [];
  const twins: Array<{ index: number; first: number }> = [];
  units.forEach((u, index) => {
    if (!u.idempotency) {
      runnable.push(index);
      return;
    }
    const id = refId(u.idempotency);
    const state = known.get(id) ?? { kind: 'absent' };
    const first = firstWithKey.get(id);
    if (state.kind === 'replay') results[index] = { kind: 'done', response: state.response, replayed: true };
    else if (state.kind === 'mismatch' || state.kind === 'running') results[index] = { kind: state.kind };
    else if (first !== undefined) twins.push({ index, first });
    else {
      firstWithKey.set(id, index);
      runnable.push(index);
    }
  });

  const commands = runnable.flatMap((i) => (units[i] as LedgerUnit).commands);
  const transferIds = [...new Set(commands.map(transferIdOf).filter((id) => id !== null))].sort();
  const transfers = await lockTransfers(tx, transferIds);
  const accountIds = new Set<string>();
  for (const c of commands) {
    if (c.kind === 'create') accountIds.add(c.transfer.debitAccountId).add(c.transfer.creditAccountId);
  }
  for (const t of transfers.values()) accountIds.add(t.debitAccountId).add(t.creditAccountId);
  const locked = await lockAccounts(tx, [...accountIds].sort());
  // Taken after the locks, and never before an account's last change, so entry times follow versions.
  const now = clock.now();
  const at = locked.updatedAtMax && locked.updatedAtMax > now ? locked.updatedAtMax : now;

  const batch = ledgerBatch({ accounts: locked.accounts, transfers }, at);
  // A pending transfer past its deadline that a post or void names expires first (the sweeper may lag),
  // so its events tell the truth: it expired, and the late post was refused.
  const resolving = new Set(
    commands.flatMap((c) => (c.kind === 'post' || c.kind === 'void' ? [c.transferId] : [])),
  );
  for (const t of transfers.values()) {
    if (resolving.has(t.id) && t.status === 'pending' && t.expiresAt && t.expiresAt.getTime() <= at.getTime())
      batch.apply([{ kind: 'expire', transferId: t.id }], false, t.traceId);
  }
  const records: Array<IdempotentRequest & { response: StoredResponse }> = [];
  const keptInTransfers = new Map<string, IdempotentRequest>();
  for (const index of runnable) {
    const unit = units[index] as LedgerUnit;
    const outcomes = batch.apply(unit.commands, unit.atomic, unit.traceId);
    const response = unit.render(outcomes);
    results[index] = { kind: 'done', response, replayed: false };
    const created = outcomes.length === 1 && outcomes[0]?.ok ? outcomes[0].transfer : undefined;
    if (unit.idempotency && unit.keyInTransfer && created) keptInTransfers.set(created.id, unit.idempotency);
    else if (unit.idempotency) records.push({ ...unit.idempotency, response });
  }
  for (const { index, first } of twins) {
    const done = results[first];
    const same = (units[index] as LedgerUnit).idempotency?.requestHash.equals(
      (units[first] as LedgerUnit).idempotency?.requestHash ?? Buffer.alloc(0),
    );
    results[index] = done?.kind === 'done' && same ? { ...done, replayed: true } : { kind: 'mismatch' };
  }

  // Key order across chunks too, so that concurrent batches take key locks in one order.
  records.sort((a, b) => (refId(a) < refId(b) ? -1 : refId(a) > refId(b) ? 1 : 0));
  for (let i = 0; i < records.length; i += IDEMPOTENCY_BATCH_MAX) {
    const lost = await recordIdempotent(tx, records.slice(i, i + IDEMPOTENCY_BATCH_MAX), { at });
    if (lost.length > 0) throw new KeyRace(lost);
  }
  if (!batch.isEmpty()) {
    // Every transfer's accounts are among the locked ones, so their owners are known without a query.
    const ownersOf = (t: { debitAccountId: string; creditAccountId: string }) =>
      [
        locked.accounts.get(t.debitAccountId)?.ownerId,
        locked.accounts.get(t.creditAccountId)?.ownerId,
      ].filter((o): o is string => o !== undefined);
    const events = batch
      .events()
      .map((e) => transferEvent(e.event, e.traceId, ownersOf(e.event.transfer), clock));
    const writes = { ...batch.writes(), events };
    const written = await writeLedger(tx, writes, keptInTransfers);
    if (written < writes.created.length) throw new KeyRace([...keptInTransfers.values()]);
  }
  return results.map((r) => r ?? { kind: 'running' });
}
