/** What the bank's latest payment of a payout says, when it differs from what deals last acted on. */
export interface PayoutObservation {
  readonly dealId: string;
  readonly payoutId: string;
  readonly paymentId: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';
  readonly reason: string | null;
}

/** The payments of the steps being paid, behind a port (features never hold the bank client). */
export interface PayoutWatch {
  /** Polls the bank for the payouts in flight (at most `stepLimit` steps) and answers what changed. */
  observe(stepLimit: number): Promise<readonly PayoutObservation[]>;
  /** The same for one step named by the bank's step id (a notification said it moved); [] if not ours. */
  observeStep(bankStepId: string): Promise<readonly PayoutObservation[]>;
  /** Stores the observation once deals has recorded it, so it is not acted on again. */
  acknowledge(o: PayoutObservation): Promise<void>;
}
