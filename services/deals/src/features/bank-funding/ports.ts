/** Money that reached the nominal account and is not identified yet, as the funding job sees it. */
export interface Incoming {
  readonly operationId: string;
  readonly amount: bigint;
  readonly purpose: string;
}

export type UnmatchedReason = 'unknown_purpose' | 'deal_not_awaiting_payment' | 'amount_mismatch';

/** The bank's incoming money and what deals records of it, behind a port (features never hold the client). */
export interface IncomingBank {
  /** Unidentified incoming transactions, read `limit` at a time up to a bounded number of pages. */
  unidentified(limit: number): Promise<readonly Incoming[]>;
  /** The payer's beneficiary at the bank, once their deal was registered there. */
  payerBeneficiary(userId: string): Promise<string | undefined>;
  /** Identifies the money to the payer's virtual account, under a key derived from the operation. */
  identify(operationId: string, beneficiaryId: string, amount: bigint): Promise<void>;
  /** Notes the match before the bank hears of it; a match not yet funded is in `unfunded`. */
  recordMatch(match: Match): Promise<void>;
  unfunded(limit: number): Promise<readonly Match[]>;
  markFunded(operationId: string): Promise<void>;
  /** Records money that matched no deal, for operators; answers whether it was new. */
  recordUnmatched(incoming: Incoming, reason: UnmatchedReason): Promise<boolean>;
}

export interface Match {
  readonly operationId: string;
  readonly dealId: string;
  readonly amount: bigint;
  readonly beneficiaryId: string;
}
