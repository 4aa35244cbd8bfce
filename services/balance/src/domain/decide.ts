import { assert, InvariantError } from '@strongbox/kernel';
import { type Actor, canResolveTransfer, canUseAccount } from './access.ts';
import {
  ACCOUNT_TOTAL_MAX,
  type Account,
  AMOUNT_MAX,
  availableOf,
  type Metadata,
  PENDING_TIMEOUT_MAX_S,
  type Transfer,
} from './ledger.ts';

/**
 * The ledger's rules as one pure function (ADR 0010): `decide(command, state, at)` answers the events a
 * command causes, or a rejection with a stable code, like TigerBeetle's `create_transfer` result codes.
 * Time comes in as `at`; the state is whatever the caller loaded and locked.
 */
export interface NewTransfer {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly pending: boolean;
  /** Only for pending transfers; the caller applies the default. */
  readonly timeoutSeconds: number | null;
  readonly description: string | null;
  readonly metadata: Metadata;
  readonly traceId: string | null;
}

export type LedgerCommand =
  | { readonly kind: 'create'; readonly transfer: NewTransfer; readonly actor: Actor }
  | {
      readonly kind: 'post';
      readonly transferId: string;
      readonly amount: bigint | null;
      readonly actor: Actor;
    }
  | { readonly kind: 'void'; readonly transferId: string; readonly actor: Actor }
  | { readonly kind: 'expire'; readonly transferId: string };

/** Each event carries the transfer as it is after the event. */
export type LedgerEvent =
  | { readonly type: 'transfer_posted'; readonly transfer: Transfer }
  | { readonly type: 'transfer_pending'; readonly transfer: Transfer }
  | { readonly type: 'pending_posted'; readonly transfer: Transfer }
  | { readonly type: 'pending_voided'; readonly transfer: Transfer }
  | { readonly type: 'pending_expired'; readonly transfer: Transfer };

export const REJECTION_CODES = [
  'account_not_found',
  'transfer_not_found',
  'same_account',
  'currency_mismatch',
  'insufficient_funds',
  'amount_exceeds_pending',
  'amount_overflow',
  'transfer_not_pending',
  'transfer_not_expired',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  readonly code: RejectionCode;
  readonly detail: string;
}

export type Decision =
  | { readonly ok: true; readonly events: readonly LedgerEvent[] }
  | { readonly ok: false; readonly rejection: Rejection };

export interface LedgerState {
  account(id: string): Account | undefined;
  transfer(id: string): Transfer | undefined;
}

const reject = (code: RejectionCode, detail: string): Decision => ({
  ok: false,
  rejection: { code, detail },
});
const accept = (event: LedgerEvent): Decision => ({ ok: true, events: [event] });

export function decide(command: LedgerCommand, state: LedgerState, at: Date): Decision {
  switch (command.kind) {
    case 'create':
      return decideCreate(command.transfer, command.actor, state, at);
    case 'post':
      return decidePost(command.transferId, command.amount, command.actor, state, at);
    case 'void':
      return decideRelease(command.transferId, command.actor, state, at);
    case 'expire':
      return decideExpire(command.transferId, state, at);
    default: {
      const unreachable: never = command;
      throw new InvariantError(`unreachable case: ${JSON.stringify(unreachable)}`);
    }
  }
}

function decideCreate(t: NewTransfer, actor: Actor, state: LedgerState, at: Date): Decision {
  // The HTTP edge validates these; reaching here with them broken is a bug, not a caller's mistake.
  assert(t.amount >= 1n && t.amount <= AMOUNT_MAX, 'transfer amount out of range');
  assert(
    t.timeoutSeconds === null ||
      (t.pending && t.timeoutSeconds >= 1 && t.timeoutSeconds <= PENDING_TIMEOUT_MAX_S),
    'timeout out of range',
  );
  if (t.debitAccountId === t.creditAccountId)
    return reject('same_account', 'The debit and credit accounts must differ');
  const debit = state.account(t.debitAccountId);
  // Another user's account is reported exactly like a missing one (brief §6).
  if (!debit || !canUseAccount(actor, debit.ownerId))
    return reject('account_not_found', `No debit account ${t.debitAccountId}`);
  const credit = state.account(t.creditAccountId);
  if (!credit) return reject('account_not_found', `No credit account ${t.creditAccountId}`);
  if (debit.currency !== t.currency)
    return reject(
      'currency_mismatch',
      `The transfer is in ${t.currency}; the debit account is in ${debit.currency}`,
    );
  // The credit account is often someone else's: its currency is named only to a caller who may see it.
  if (credit.currency !== t.currency)
    return reject(
      'currency_mismatch',
      canUseAccount(actor, credit.ownerId)
        ? `The transfer is in ${t.currency}; the credit account is in ${credit.currency}`
        : `The credit account does not hold ${t.currency}`,
    );
  if (
    debit.postedDebits + debit.pendingDebits + t.amount > ACCOUNT_TOTAL_MAX ||
    credit.postedCredits + t.amount > ACCOUNT_TOTAL_MAX
  ) {
    return reject('amount_overflow', 'The transfer would take an account total past 2^53 - 1');
  }
  if (!debit.allowNegative && availableOf(debit) < t.amount) {
    return reject('insufficient_funds', `Account ${debit.id} has ${availableOf(debit)} available`);
  }
  const base = {
    id: t.id,
    debitAccountId: t.debitAccountId,
    creditAccountId: t.creditAccountId,
    amount: t.amount,
    currency: t.currency,
    description: t.description,
    metadata: t.metadata,
    traceId: t.traceId,
    createdBy: actor.sub,
    createdAt: at,
  };
  if (!t.pending) {
    return accept({
      type: 'transfer_posted',
      transfer: { ...base, status: 'posted', postedAmount: t.amount, expiresAt: null },
    });
  }
  assert(t.timeoutSeconds !== null, 'a pending transfer needs a timeout');
  const expiresAt = new Date(at.getTime() + t.timeoutSeconds * 1000);
  return accept({
    type: 'transfer_pending',
    transfer: { ...base, status: 'pending', postedAmount: 0n, expiresAt },
  });
}

/** Finds a pending transfer the actor may resolve, or the rejection that applies. */
function pendingFor(
  transferId: string,
  actor: Actor | null,
  state: LedgerState,
  at: Date,
): Transfer | Rejection {
  const t = state.transfer(transferId);
  if (!t || (actor && !canResolveTransfer(actor, t)))
    return { code: 'transfer_not_found', detail: `No transfer ${transferId}` };
  if (t.status !== 'pending')
    return { code: 'transfer_not_pending', detail: `Transfer ${transferId} is ${t.status}` };
  // Expiry is also checked here, not only by the sweeper, so a late post can never win against the clock.
  if (actor && t.expiresAt && at.getTime() >= t.expiresAt.getTime())
    return { code: 'transfer_not_pending', detail: `Transfer ${transferId} has expired` };
  return t;
}

const isRejection = (x: Transfer | Rejection): x is Rejection => 'code' in x;

function decidePost(
  transferId: string,
  amount: bigint | null,
  actor: Actor,
  state: LedgerState,
  at: Date,
): Decision {
  const t = pendingFor(transferId, actor, state, at);
  if (isRejection(t)) return { ok: false, rejection: t };
  const posted = amount ?? t.amount;
  assert(posted >= 1n, 'post amount must be positive');
  if (posted > t.amount) {
    return reject('amount_exceeds_pending', `Transfer ${t.id} holds ${t.amount}; ${posted} cannot be posted`);
  }
  const credit = state.account(t.creditAccountId);
  assert(credit !== undefined, `credit account ${t.creditAccountId} of ${t.id} is loaded`);
  if (credit.postedCredits + posted > ACCOUNT_TOTAL_MAX) {
    return reject('amount_overflow', 'The transfer would take an account total past 2^53 - 1');
  }
  return accept({ type: 'pending_posted', transfer: { ...t, status: 'posted', postedAmount: posted } });
}

function decideRelease(transferId: string, actor: Actor, state: LedgerState, at: Date): Decision {
  const t = pendingFor(transferId, actor, state, at);
  if (isRejection(t)) return { ok: false, rejection: t };
  return accept({ type: 'pending_voided', transfer: { ...t, status: 'voided' } });
}

function decideExpire(transferId: string, state: LedgerState, at: Date): Decision {
  const t = pendingFor(transferId, null, state, at);
  if (isRejection(t)) return { ok: false, rejection: t };
  if (!t.expiresAt || at.getTime() < t.expiresAt.getTime())
    return reject('transfer_not_expired', `Transfer ${t.id} is not due to expire yet`);
  return accept({ type: 'pending_expired', transfer: { ...t, status: 'expired' } });
}
