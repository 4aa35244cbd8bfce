import {
  type Decision,
  decide,
  type LedgerCommand,
  type LedgerEvent,
  type LedgerState,
} from '../domain/decide.ts';
import { type Change, evolve } from '../domain/evolve.ts';
import type { Account, Transfer } from '../domain/ledger.ts';
import type { CommandOutcome } from '../ports.ts';
import type { LedgerWrites, TracedEntry } from './ledger-sql.ts';

/**
 * A batch's working state in memory (ADR 0011): the locked accounts and transfers, changed one command
 * at a time by the pure `decide`/`evolve`, so one rejected command fails only itself. Changes collect in
 * a layer: a single command's layer is kept at once, an atomic group's only if every command passed.
 */
export interface LedgerBatch {
  apply(commands: readonly LedgerCommand[], atomic: boolean, traceId: string | null): CommandOutcome[];
  writes(): Omit<LedgerWrites, 'events'>;
  events(): ReadonlyArray<{ readonly event: LedgerEvent; readonly traceId: string | null }>;
  isEmpty(): boolean;
}

interface Layer {
  readonly accounts: Map<string, Account>;
  readonly transfers: Map<string, Transfer>;
  readonly changes: Change[];
  readonly events: LedgerEvent[];
}

const newLayer = (): Layer => ({ accounts: new Map(), transfers: new Map(), changes: [], events: [] });

export function ledgerBatch(
  locked: { accounts: ReadonlyMap<string, Account>; transfers: ReadonlyMap<string, Transfer> },
  at: Date,
): LedgerBatch {
  const accounts = new Map(locked.accounts);
  const transfers = new Map(locked.transfers);
  const created = new Map<string, Transfer>();
  const resolved = new Map<string, Transfer>();
  const changed = new Set<string>();
  const entries: TracedEntry[] = [];
  const events: Array<{ event: LedgerEvent; traceId: string | null }> = [];

  const viewOf = (layer: Layer): LedgerState => ({
    account: (id) => layer.accounts.get(id) ?? accounts.get(id),
    transfer: (id) => layer.transfers.get(id) ?? transfers.get(id),
  });

  const attempt = (layer: Layer, command: LedgerCommand): CommandOutcome => {
    const view = viewOf(layer);
    const decision: Decision = decide(command, view, at);
    if (!decision.ok) return { ok: false, rejection: decision.rejection };
    let transfer: Transfer | undefined;
    for (const event of decision.events) {
      const change = evolve(view, event);
      for (const a of change.accounts) layer.accounts.set(a.id, a);
      layer.transfers.set(change.transfer.id, change.transfer);
      layer.changes.push(change);
      layer.events.push(event);
      transfer = change.transfer;
    }
    if (!transfer) throw new Error('an accepted command produced no event');
    return { ok: true, transfer };
  };

  const keep = (layer: Layer, traceId: string | null): void => {
    for (const [id, a] of layer.accounts) {
      accounts.set(id, a);
      changed.add(id);
    }
    for (const [id, t] of layer.transfers) {
      transfers.set(id, t);
      if (locked.transfers.has(id) && !created.has(id)) resolved.set(id, t);
      else created.set(id, t);
    }
    // Each entry carries the trace id of the request that moved the money, as its transfer does.
    for (const c of layer.changes) for (const entry of c.entries) entries.push({ ...entry, traceId });
    for (const event of layer.events) events.push({ event, traceId });
  };

  return {
    apply(commands, atomic, traceId) {
      if (!atomic) {
        return commands.map((command) => {
          const layer = newLayer();
          const outcome = attempt(layer, command);
          if (outcome.ok) keep(layer, traceId);
          return outcome;
        });
      }
      const layer = newLayer();
      const outcomes: CommandOutcome[] = [];
      for (const command of commands) {
        const outcome = attempt(layer, command);
        outcomes.push(outcome);
        if (!outcome.ok) return outcomes;
      }
      keep(layer, traceId);
      return outcomes;
    },
    writes: () => ({
      at,
      created: [...created.values()],
      resolved: [...resolved.values()],
      entries,
      accounts: [...changed].map((id) => accounts.get(id) as Account),
    }),
    events: () => events,
    isEmpty: () => changed.size === 0,
  };
}
