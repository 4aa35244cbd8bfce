import * as balances from './balances.ts';
import * as bankDetails from './bank-details.ts';
import * as beneficiaries from './beneficiaries.ts';
import * as deals from './deals.ts';
import * as incoming from './incoming.ts';
import { settleStep } from './payment-progress.ts';
import * as payments from './payments.ts';
import * as selfEmployedOperations from './self-employed-operations.ts';
import { receiptObjectId, settleRegistry } from './self-employed-progress.ts';
import * as receipts from './self-employed-receipts.ts';
import * as selfEmployed from './self-employed-recipients.ts';
import * as registries from './self-employed-registries.ts';
import * as virtualAccounts from './virtual-accounts.ts';

/** The sandbox's narrow queries, handed to the features as one port (each takes its connection first). */
export const store = {
  ...beneficiaries,
  ...bankDetails,
  ...balances,
  ...incoming,
  ...deals,
  ...payments,
  settleStep,
  ...virtualAccounts,
  ...selfEmployed,
  ...selfEmployedOperations,
  ...registries,
  ...receipts,
  settleRegistry,
  receiptObjectId,
};
