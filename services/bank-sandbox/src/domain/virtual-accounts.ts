/** A virtual account's two figures: free money, and money held by accepted deals. */
export interface AccountFigures {
  readonly amount: bigint;
  readonly amountOnHold: bigint;
}

export type TransferDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'VALIDATION_ERROR' | 'NOT_FOUND' | 'INSUFFICIENT_FUNDS';
      readonly message: string;
    };

/**
 * A DIRECT transfer moves free money from one virtual account to another. Money on hold belongs to a
 * deal and cannot move; both accounts must exist and be two different ones.
 */
export function decideTransfer(
  fromId: string,
  toId: string,
  amount: bigint,
  accounts: ReadonlyMap<string, AccountFigures>,
): TransferDecision {
  if (fromId === toId)
    return { ok: false, code: 'VALIDATION_ERROR', message: 'from and to name the same beneficiary' };
  const from = accounts.get(fromId);
  if (!from) return { ok: false, code: 'NOT_FOUND', message: `Beneficiary ${fromId} not found` };
  if (!accounts.has(toId)) return { ok: false, code: 'NOT_FOUND', message: `Beneficiary ${toId} not found` };
  if (from.amount < amount)
    return {
      ok: false,
      code: 'INSUFFICIENT_FUNDS',
      message: `The virtual account has ${from.amount} kopecks free, the transfer is ${amount}`,
    };
  return { ok: true };
}
