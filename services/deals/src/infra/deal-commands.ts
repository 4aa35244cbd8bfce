import { type Clock, cloudEvent } from '@strongbox/kernel';
import {
  appendOutbox,
  appendToStream,
  type Pool,
  type Queryable,
  readStream,
  StreamVersionConflict,
  withTransaction,
} from '@strongbox/postgres';
import { bankTasksFor, type KeyedBankTask } from '../domain/bank-tasks.ts';
import type { Deal } from '../domain/deal.ts';
import { decide } from '../domain/decide.ts';
import type { DealEvent } from '../domain/events.ts';
import { evolve } from '../domain/evolve.ts';
import { type KeyedLedgerTask, ledgerTasksFor } from '../domain/ledger-tasks.ts';
import type { CommandInput, CommandOutcome } from '../ports.ts';
import { enqueueBankTasks } from './bank-tasks.ts';
import { decodeEvent, encodeEvent } from './event-codec.ts';
import { enqueueLedgerTasks } from './ledger-tasks.ts';
import { projectQueue } from './operator-queue.ts';
import { projectDeal } from './projection.ts';
import { projectRecipientPayouts } from './recipient-payouts.ts';

export const SERVICE = 'deals';
/**
 * How often a command is decided again when another command on the same deal appended first. Each retry
 * starts from the newer state, so only a deal under a storm of commands runs out; it then answers a conflict.
 */
export const CONFLICT_RETRIES_MAX = 5;

export type { CommandInput, CommandOutcome };

/** Folds the deal's stream; null when the deal has no events. */
export async function loadDeal(q: Queryable, dealId: string): Promise<Deal | null> {
  const stored = await readStream(q, dealId);
  let deal: Deal | null = null;
  for (const s of stored) deal = evolve(deal, decodeEvent(s.type, s.data));
  return deal;
}

/**
 * Runs one command against one deal: load its events, decide, and in the same transaction append the new
 * events to its stream (expecting the version it read), publish them through the outbox and update the
 * read model. Two commands racing on one deal cannot both append: the loser decides again from the state
 * the winner left, unless its client named the version it expected.
 */
export async function executeDealCommand(
  deps: { readonly pool: Pool; readonly clock: Clock },
  input: CommandInput,
): Promise<CommandOutcome> {
  for (let attempt = 0; attempt <= CONFLICT_RETRIES_MAX; attempt++) {
    try {
      return await withTransaction(deps.pool, (tx) => applyDealCommand(tx, deps.clock, input));
    } catch (err) {
      if (!(err instanceof StreamVersionConflict)) throw err;
      if (input.expectedVersion !== undefined) return { ok: false, code: 'deal_version_conflict' };
    }
  }
  return { ok: false, code: 'deal_version_conflict' };
}

/**
 * One round of a command inside the caller's transaction (executeDealCommand's, or the Idempotency-Key's).
 * Throws StreamVersionConflict when another command appended first; the caller decides again.
 */
export async function applyDealCommand(
  tx: Queryable,
  clock: Clock,
  input: CommandInput,
): Promise<CommandOutcome> {
  const deal = await loadDeal(tx, input.dealId);
  const version = deal?.version ?? 0;
  if (input.expectedVersion !== undefined && input.expectedVersion !== version)
    return { ok: false, code: 'deal_version_conflict' };
  const decision = decide(input.command, deal, input.actor, clock.now());
  if (!decision.ok) return decision;
  if (decision.events.length === 0) {
    if (deal === null) throw new Error('a deal that does not exist decided on no events');
    return { ok: true, deal, events: [] };
  }
  const folded = foldWithTasks(deal, decision.events);
  const next = folded.deal;
  const envelopes = decision.events.map((e) => {
    const { type, data } = encodeEvent(e);
    return cloudEvent(
      {
        service: SERVICE,
        type: `deals.${type}`,
        subject: input.dealId,
        data: { dealId: input.dealId, ...data },
        ...(input.traceId ? { traceId: input.traceId } : {}),
        parties: [next.createdBy, next.payerId],
      },
      clock,
    );
  });
  const metadata: Record<string, string> = input.traceId ? { traceId: input.traceId } : {};
  await appendToStream(
    tx,
    input.dealId,
    version,
    decision.events.map((e, i) => ({
      id: envelopes[i]!.id,
      ...encodeEvent(e),
      metadata,
    })),
  );
  await appendOutbox(tx, envelopes);
  await enqueueBankTasks(
    tx,
    input.dealId,
    folded.tasks.flatMap((of, i) => of(envelopes[i]!.id)),
    clock.now(),
    input.traceId,
  );
  // The same events' movements in balance (ADR 0031), queued like the bank's tasks.
  await enqueueLedgerTasks(
    tx,
    input.dealId,
    folded.ledger.flatMap((of, i) => of(envelopes[i]!.id)),
    clock.now(),
    input.traceId,
  );
  await projectDeal(tx, next);
  await projectQueue(tx, input.dealId, decision.events);
  await projectRecipientPayouts(tx, next);
  return { ok: true, deal: next, events: decision.events };
}

/**
 * Folds the new events into the deal and notes, for each, the bank tasks it causes: a task depends on the
 * deal as it was just before its event, and its key on the event's id, which is known only later.
 */
function foldWithTasks(
  deal: Deal | null,
  events: readonly DealEvent[],
): {
  deal: Deal;
  tasks: Array<(eventId: string) => KeyedBankTask[]>;
  ledger: Array<(eventId: string) => KeyedLedgerTask[]>;
} {
  let state = deal;
  const tasks: Array<(eventId: string) => KeyedBankTask[]> = [];
  const ledger: Array<(eventId: string) => KeyedLedgerTask[]> = [];
  for (const e of events) {
    const before = state;
    tasks.push((eventId) => bankTasksFor(e, eventId, before));
    ledger.push((eventId) => ledgerTasksFor(e, eventId, before));
    state = evolve(state, e);
  }
  if (state === null) throw new Error('events folded to no deal');
  return { deal: state, tasks, ledger };
}
