import { type AppError, defineErrors } from '@strongbox/kernel';
import type { Rejection } from './decide.ts';

/** Balance's catalogue of expected failures; the HTTP edge turns each into a problem document. */
export const balanceErrors = defineErrors({
  account_not_found: { status: 404, title: 'No such account' },
  transfer_not_found: { status: 404, title: 'No such transfer' },
  same_account: { status: 422, title: 'The debit and credit accounts are the same' },
  currency_mismatch: { status: 422, title: 'The currencies do not match' },
  insufficient_funds: { status: 422, title: 'Insufficient funds' },
  amount_exceeds_pending: { status: 422, title: 'The amount exceeds the pending amount' },
  amount_overflow: { status: 422, title: 'The amount would overflow an account total' },
  transfer_not_pending: { status: 409, title: 'The transfer is not pending' },
  transfer_not_expired: { status: 409, title: 'The transfer is not due to expire' },
  ledger_overloaded: { status: 503, title: 'The ledger is overloaded' },
});

export function rejectionError(r: Rejection): AppError {
  return balanceErrors[r.code](r.detail);
}
