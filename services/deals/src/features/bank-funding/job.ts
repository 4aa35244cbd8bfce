import type { Logger } from '@strongbox/kernel';
import type { DealStore } from '../bank-tasks/ports.ts';
import type { Incoming, IncomingBank, Match, UnmatchedReason } from './ports.ts';

/** The page size of incoming transactions (and the bound of unfinished matches one run finishes). */
export const INCOMING_PER_RUN_MAX = 100;
/** A deal id as the purpose the payer was shown carries it (paymentPurposeOf). */
const DEAL_ID = /deal_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export interface FundingDeps {
  readonly incoming: IncomingBank;
  readonly deals: DealStore;
  readonly logger: Logger;
  /** Counts money left unidentified, by reason (metrics). */
  readonly onUnmatched?: (reason: UnmatchedReason) => void;
}

/**
 * One run of the funding job (leader-locked): each unidentified incoming transaction whose purpose names a
 * deal awaiting payment, with exactly its amount, is identified to the payer's virtual account and then
 * funds the deal. Anything else stays unidentified at the bank and is recorded once for operators: money
 * is never guessed onto a deal. The match is recorded first, then identified, then funded: a crash in
 * between is finished by the next run from the recorded match (identify again under the same key, the
 * bank's first answer; fund again, which adds nothing the second time). Answers deals funded.
 */
export async function runFunding(deps: FundingDeps, limit = INCOMING_PER_RUN_MAX): Promise<number> {
  let funded = 0;
  for (const m of await deps.incoming.unfunded(limit)) {
    await settle(deps, m);
    funded++;
  }
  for (const tx of await deps.incoming.unidentified(limit)) {
    const outcome = await fundOne(deps, tx);
    if (outcome === 'funded') funded++;
    else if (outcome !== 'waiting' && (await deps.incoming.recordUnmatched(tx, outcome))) {
      deps.onUnmatched?.(outcome);
      deps.logger.warn({ operationId: tx.operationId, reason: outcome }, 'incoming money matches no deal');
    }
  }
  return funded;
}

async function fundOne(deps: FundingDeps, tx: Incoming): Promise<'funded' | 'waiting' | UnmatchedReason> {
  const dealId = DEAL_ID.exec(tx.purpose)?.[0];
  const deal = dealId ? await deps.deals.load(dealId) : null;
  if (!deal) return 'unknown_purpose';
  // Paid before the bank registered the deal: it is matched once the deal awaits payment.
  if (deal.status === 'submitted') return 'waiting';
  if (deal.status !== 'awaiting_payment') return 'deal_not_awaiting_payment';
  if (tx.amount !== deal.amount) return 'amount_mismatch';
  const payer = await deps.incoming.payerBeneficiary(deal.payerId);
  // Registered deals have their payer's beneficiary; this is only a race with the register task.
  if (!payer) return 'waiting';
  const match = { operationId: tx.operationId, dealId: deal.id, amount: tx.amount, beneficiaryId: payer };
  await deps.incoming.recordMatch(match);
  await settle(deps, match);
  return 'funded';
}

async function settle(deps: FundingDeps, m: Match): Promise<void> {
  await deps.incoming.identify(m.operationId, m.beneficiaryId, m.amount);
  const { refused } = await deps.deals.record(
    m.dealId,
    { kind: 'fund', incomingTransactionId: m.operationId, amount: m.amount },
    null,
  );
  // Identified money the deal no longer takes (cancelled meanwhile) stays on the payer's virtual account.
  if (refused) deps.logger.warn({ dealId: m.dealId, refused }, 'identified money was refused by its deal');
  await deps.incoming.markFunded(m.operationId);
}
