import { assert } from '@strongbox/kernel';
import {
  type AccountRecord,
  AMOUNT_MAX,
  availableOf,
  balanceOf,
  type Entry,
  type Transfer,
} from './ledger.ts';

/**
 * The JSON shapes of the API and of event data. Money leaves as JSON numbers: every figure is bounded by
 * 2^53 − 1 (ACCOUNT_TOTAL_MAX), so the conversion below is exact; an unsafe one is a broken invariant.
 */
export function money(v: bigint): number {
  assert(v >= -AMOUNT_MAX && v <= AMOUNT_MAX, `amount ${v} fits a JSON number exactly`);
  return Number(v);
}

export function accountView(a: AccountRecord) {
  return {
    id: a.id,
    ownerId: a.ownerId,
    currency: a.currency,
    name: a.name,
    balance: money(balanceOf(a)),
    held: money(a.pendingDebits),
    available: money(availableOf(a)),
    allowNegative: a.allowNegative,
    metadata: a.metadata,
    createdAt: a.createdAt.toISOString(),
    version: Number(a.version),
  };
}
export type AccountView = ReturnType<typeof accountView>;

export function transferView(t: Transfer) {
  return {
    id: t.id,
    debitAccountId: t.debitAccountId,
    creditAccountId: t.creditAccountId,
    amount: money(t.amount),
    currency: t.currency,
    status: t.status,
    postedAmount: money(t.postedAmount),
    description: t.description,
    metadata: t.metadata,
    traceId: t.traceId,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt ? t.expiresAt.toISOString() : null,
  };
}
export type TransferView = ReturnType<typeof transferView>;

export function entryView(e: Entry & { createdAt: Date }) {
  return {
    accountId: e.accountId,
    transferId: e.transferId,
    direction: e.direction,
    amount: money(e.amount),
    balanceAfter: money(e.balanceAfter),
    version: Number(e.version),
    createdAt: e.createdAt.toISOString(),
  };
}
