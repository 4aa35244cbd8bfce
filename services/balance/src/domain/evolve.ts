import { assert, InvariantError } from '@strongbox/kernel';
import type { LedgerEvent, LedgerState } from './decide.ts';
import { type Account, balanceOf, type Entry, type Transfer } from './ledger.ts';

/** What one event changes: the accounts it touches (new versions), the transfer, and posted entries. */
export interface Change {
  readonly accounts: readonly Account[];
  readonly transfer: Transfer;
  readonly entries: readonly Entry[];
}

/**
 * Applies an event to the accounts it names (pure). Every posted movement writes a debit entry and a
 * credit entry of the same amount; a hold or a release changes only what the debit account holds.
 */
export function evolve(state: LedgerState, event: LedgerEvent): Change {
  const t = event.transfer;
  const debit = state.account(t.debitAccountId);
  const credit = state.account(t.creditAccountId);
  assert(debit !== undefined && credit !== undefined, `accounts of ${t.id} are loaded`);
  switch (event.type) {
    case 'transfer_posted':
      return post(debit, credit, t, t.amount, 0n);
    case 'transfer_pending':
      return hold(debit, t, t.amount);
    case 'pending_posted':
      return post(debit, credit, t, t.postedAmount, t.amount);
    case 'pending_voided':
    case 'pending_expired':
      return hold(debit, t, -t.amount);
    default: {
      const unreachable: never = event;
      throw new InvariantError(`unreachable case: ${JSON.stringify(unreachable)}`);
    }
  }
}

function hold(debit: Account, t: Transfer, heldChange: bigint): Change {
  const next = { ...debit, pendingDebits: debit.pendingDebits + heldChange, version: debit.version + 1n };
  assert(next.pendingDebits >= 0n, `held amount of ${debit.id} stays non-negative`);
  return { accounts: [next], transfer: t, entries: [] };
}

/** Moves `amount` from debit to credit, releasing `released` from what the debit account held. */
function post(debit: Account, credit: Account, t: Transfer, amount: bigint, released: bigint): Change {
  const d = {
    ...debit,
    postedDebits: debit.postedDebits + amount,
    pendingDebits: debit.pendingDebits - released,
    version: debit.version + 1n,
  };
  const c = { ...credit, postedCredits: credit.postedCredits + amount, version: credit.version + 1n };
  assert(d.pendingDebits >= 0n, `held amount of ${debit.id} stays non-negative`);
  const entry = (a: Account, direction: Entry['direction']): Entry => ({
    accountId: a.id,
    transferId: t.id,
    direction,
    amount,
    balanceAfter: balanceOf(a),
    version: a.version,
  });
  return { accounts: [d, c], transfer: t, entries: [entry(d, 'debit'), entry(c, 'credit')] };
}
